
use builtin;
use str;

set edit:completion:arg-completer[mesh] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mesh'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mesh'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand analyze 'Find what istioctl analyze finds, at the exact line, without its false positives'
            cand validate 'Check Istio and Kubernetes YAML against schemas and Istio''s field rules'
            cand explain 'Print the documentation of a rule, by code (IST0101) or name'
            cand schema 'Print the JSON Schema of a kind (the files under schemas/), or list kinds'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand version 'Print the version of mesh'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mesh;analyze'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN`'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'Report findings in this namespace only (default: the context''s)'
            cand --namespace 'Report findings in this namespace only (default: the context''s)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --failure-threshold 'Exit with 79 when a finding is at or above this level'
            cand --output-threshold 'Print only findings at or above this level'
            cand --color 'Colour text output'
            cand -S 'Hide findings: ''CODE=Kind ns/name'', `*` globs allowed (repeatable)'
            cand --suppress 'Hide findings: ''CODE=Kind ns/name'', `*` globs allowed (repeatable)'
            cand --select 'Run only these rules (codes or names, comma-separated)'
            cand --ignore 'Do not run these rules (codes or names, comma-separated)'
            cand --grpc 'The gRPC runtime of proxyless workloads: LANG@VERSION (cpp, python, ruby, php, java, go, node; e.g. go@1.66), LANG for a current release, or `any` (report what C++, Python, Java, Go or Node mis-handles, naming which; Ruby and PHP only when named). A workload''s `mesh.dev/grpc-runtime` annotation overrides it'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials)'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials)'
            cand -A 'Report findings in every namespace'
            cand --all-namespaces 'Report findings in every namespace'
            cand --list-rules 'List the rules with their code, name, level and summary, then exit'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;validate'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN`'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'Report findings in this namespace only (default: the context''s)'
            cand --namespace 'Report findings in this namespace only (default: the context''s)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --failure-threshold 'Exit with 79 when a finding is at or above this level'
            cand --output-threshold 'Print only findings at or above this level'
            cand --color 'Colour text output'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials)'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials)'
            cand -A 'Report findings in every namespace'
            cand --all-namespaces 'Report findings in every namespace'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;explain'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mesh;schema'= {
            cand --api-version 'apiVersion (or just the version) when a kind has several; the newest by default'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mesh;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mesh;version'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mesh;help'= {
            cand analyze 'Find what istioctl analyze finds, at the exact line, without its false positives'
            cand validate 'Check Istio and Kubernetes YAML against schemas and Istio''s field rules'
            cand explain 'Print the documentation of a rule, by code (IST0101) or name'
            cand schema 'Print the JSON Schema of a kind (the files under schemas/), or list kinds'
            cand completions 'Print shell completions (bash, zsh, fish, powershell, elvish)'
            cand version 'Print the version of mesh'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mesh;help;analyze'= {
        }
        &'mesh;help;validate'= {
        }
        &'mesh;help;explain'= {
        }
        &'mesh;help;schema'= {
        }
        &'mesh;help;completions'= {
        }
        &'mesh;help;version'= {
        }
        &'mesh;help;help'= {
        }
    ]
    $completions[$command]
}
