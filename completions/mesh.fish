# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mesh_global_optspecs
    string join \n h/help V/version
end

function __fish_mesh_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mesh_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mesh_using_subcommand
    set -l cmd (__fish_mesh_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mesh -n "__fish_mesh_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_needs_command" -s V -l version -d 'Print version'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "analyze" -d 'Find what istioctl analyze finds, at the exact line, without its false positives'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "validate" -d 'Check Istio and Kubernetes YAML against schemas and Istio\'s field rules'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "explain" -d 'Print the documentation of a rule, by code (IST0101) or name'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "schema" -d 'Print the JSON Schema of a kind (the files under schemas/), or list kinds'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "version" -d 'Print the version of mesh'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l cluster-domain -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN`' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s n -l namespace -d 'Report findings in this namespace only (default: the context\'s)' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s o -l output -d 'Output format' -r -f -a "text\t'istioctl\'s line per finding, with a source snippet and help'
json\t'An array of objects with istioctl\'s keys plus file, line, column, field'
yaml\t'The same objects as YAML'
sarif\t'SARIF 2.1.0, for GitHub code scanning and other SARIF viewers'
junit\t'JUnit XML, one test case per finding'
github\t'GitHub Actions annotations (`::error file=…,line=…::message`)'"
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l failure-threshold -d 'Exit with 79 when a finding is at or above this level' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l output-threshold -d 'Print only findings at or above this level' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l color -d 'Colour text output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s S -l suppress -d 'Hide findings: \'CODE=Kind ns/name\', `*` globs allowed (repeatable)' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l select -d 'Run only these rules (codes or names, comma-separated)' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l ignore -d 'Do not run these rules (codes or names, comma-separated)' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l grpc -d 'The gRPC runtime of proxyless workloads: LANG@VERSION (cpp, python, ruby, php, java, go, node; e.g. go@1.66), LANG for a current release, or `any` (report what C++, Python, Java, Go or Node mis-handles, naming which; Ruby and PHP only when named). A workload\'s `mesh.dev/grpc-runtime` annotation overrides it' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials)'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s A -l all-namespaces -d 'Report findings in every namespace'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l list-rules -d 'List the rules with their code, name, level and summary, then exit'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l cluster-domain -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN`' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s n -l namespace -d 'Report findings in this namespace only (default: the context\'s)' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s o -l output -d 'Output format' -r -f -a "text\t'istioctl\'s line per finding, with a source snippet and help'
json\t'An array of objects with istioctl\'s keys plus file, line, column, field'
yaml\t'The same objects as YAML'
sarif\t'SARIF 2.1.0, for GitHub code scanning and other SARIF viewers'
junit\t'JUnit XML, one test case per finding'
github\t'GitHub Actions annotations (`::error file=…,line=…::message`)'"
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l failure-threshold -d 'Exit with 79 when a finding is at or above this level' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l output-threshold -d 'Print only findings at or above this level' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l color -d 'Colour text output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials)'
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s A -l all-namespaces -d 'Report findings in every namespace'
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand explain" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand schema" -l api-version -d 'apiVersion (or just the version) when a kind has several; the newest by default' -r
complete -c mesh -n "__fish_mesh_using_subcommand schema" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand version" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions version help" -f -a "analyze" -d 'Find what istioctl analyze finds, at the exact line, without its false positives'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions version help" -f -a "validate" -d 'Check Istio and Kubernetes YAML against schemas and Istio\'s field rules'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions version help" -f -a "explain" -d 'Print the documentation of a rule, by code (IST0101) or name'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions version help" -f -a "schema" -d 'Print the JSON Schema of a kind (the files under schemas/), or list kinds'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions version help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions version help" -f -a "version" -d 'Print the version of mesh'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
