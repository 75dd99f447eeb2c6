
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
            cand kube-inject 'Inject Istio''s sidecar, gateway or proxyless gRPC templates into manifests, offline'
            cand convert 'Convert config as istiod does: `gateway-api` prints the Istio config istiod generates from Gateway API objects'
            cand xds 'What istiod sends proxyless gRPC workloads: render, bootstrap, diff, serve, route'
            cand test 'Run routing tests: RPCs and where they must go, checked offline'
            cand proxy-config 'The live xDS config of a proxyless gRPC app (CSDS) or a saved dump, with ACK/NACK status'
            cand proxy-status 'Every proxyless gRPC app (and Envoy sidecar) at once: what each holds per resource type and status, the version and age of its config, and whether it holds the intended config'
            cand version 'Print the version of mesh'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mesh;analyze'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --failure-threshold 'Exit with 79 when a finding is at or above this level'
            cand --output-threshold 'Print only findings at or above this level'
            cand --color 'Colour text output'
            cand -S 'Hide findings: ''CODE=Kind ns/name'', `*` globs allowed (repeatable)'
            cand --suppress 'Hide findings: ''CODE=Kind ns/name'', `*` globs allowed (repeatable)'
            cand --select 'Run only these rules (codes or names, comma-separated). Opt-in rules (marked in --list-rules) run only when named here'
            cand --ignore 'Do not run these rules (codes or names, comma-separated)'
            cand --grpc 'The gRPC runtime of proxyless workloads: LANG@VERSION (cpp, python, ruby, php, java, go, node; e.g. go@1.66), LANG for a current release, or `any` (report what C++, Python, Java, Go or Node mis-handles, naming which; Ruby and PHP only when named). A workload''s `mesh.dev/grpc-runtime` annotation overrides it'
            cand --report-unresolved 'Report references to objects of these kinds (or `all`) that the inputs do not hold even when the inputs hold no object of the kind, as istioctl does. By default those findings are set aside (the inputs are evidently partial for that kind) and the run summary counts them'
            cand --ignore-unresolved 'Analyzing part of a mesh: set aside findings on references to objects of these kinds that the inputs do not hold, even when the inputs hold some of the kind (Service also covers ServiceEntry hosts). The run summary counts them'
            cand --mesh-networks 'A MeshNetworks config file (`networks:` by name): IST0126 checks its `fromRegistry` endpoints'
            cand --timeout 'How long each request to the cluster may take, with --kube'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand --strict 'Fail on what mesh cannot check: each object of an unknown kind or version is an Error (MESH004), and inputs with no object exit 65'
            cand --assume-proxyless 'Check configuration-only inputs as proxyless gRPC workloads would receive them: every host is taken to be dialled by proxyless clients (of the --grpc runtime) from every namespace of the inputs that can see it, and every Service or policy selector that selects no workload of the inputs to select proxyless servers. Findings name them "in NS (assumed)"'
            cand -L 'List the rules with their code, name, level and summary, then exit'
            cand --list-rules 'List the rules with their code, name, level and summary, then exit'
            cand --list-analyzers 'List the rules with their code, name, level and summary, then exit'
            cand --ignore-unknown 'Documents that cannot be read are counted in the summary, but are no finding (MESH002) and do not make the exit code 65 (istioctl''s flag)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;validate'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --failure-threshold 'Exit with 79 when a finding is at or above this level'
            cand --output-threshold 'Print only findings at or above this level'
            cand --color 'Colour text output'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand --strict 'Fail on what mesh cannot check: each object of an unknown kind or version is an Error (MESH004), and inputs with no object exit 65'
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
        &'mesh;kube-inject'= {
            cand -f 'The manifest to inject, or `-` for stdin'
            cand --filename 'The manifest to inject, or `-` for stdin'
            cand -o 'Write the result to FILE (atomically) instead of stdout'
            cand --output 'Write the result to FILE (atomically) instead of stdout'
            cand --inject-config 'Injector config: the `config` key of the `istio-sidecar-injector` ConfigMap, or the whole ConfigMap (its `values` key is then used too)'
            cand --injectConfigFile 'Injector config: the `config` key of the `istio-sidecar-injector` ConfigMap, or the whole ConfigMap (its `values` key is then used too)'
            cand --values 'Injector values: the `values` key of the `istio-sidecar-injector` ConfigMap (JSON or YAML)'
            cand --valuesFile 'Injector values: the `values` key of the `istio-sidecar-injector` ConfigMap (JSON or YAML)'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap)'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap)'
            cand -r 'Control plane revision (`default` means none)'
            cand --revision 'Control plane revision (`default` means none)'
            cand --native-sidecars 'Inject the proxy as a native sidecar (an init container with restartPolicy: Always)'
            cand --templates 'Templates to inject into every pod, comma-separated, instead of each pod''s `inject.istio.io/templates` annotation'
            cand --diff 'Print a unified diff of the change instead of the result'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;convert'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand gateway-api 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mesh;convert;gateway-api'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mesh;convert;help'= {
            cand gateway-api 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mesh;convert;help;gateway-api'= {
        }
        &'mesh;convert;help;help'= {
        }
        &'mesh;xds'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand render 'What the workload''s gRPC clients and servers would receive: LDS, RDS, CDS, EDS'
            cand bootstrap 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)'
            cand diff 'How a config change changes what a workload receives'
            cand serve 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files'
            cand route 'Where an RPC goes, and what gRPC applies to it, for one client'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mesh;xds;render'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand --workload 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME'
            cand --pod 'A Pod: NS/NAME'
            cand --node-id 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local'
            cand --client-namespace 'The namespace of the assumed client (default: the namespace of the first --target host, `NAME.NS...`)'
            cand --target 'A listener gRPC asks for, HOST:PORT as in xds:///HOST:PORT (repeatable)'
            cand --type 'Resource types to print'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --server-address 'The address the workload''s gRPC servers listen on, in server listener names'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand --all-proxyless 'Every proxyless workload of the inputs, rendered on all cores; with `-o table`, one line per workload: resources of each type and bytes'
            cand --assume-proxyless 'For configuration-only inputs: render for a proxyless client assumed in --client-namespace, with no labels (as `mesh analyze --assume-proxyless` assumes one in every namespace)'
            cand --timings 'With `--all-proxyless -o table`: a column with each workload''s render time (milliseconds on one core), and the totals on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;xds;bootstrap'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand --workload 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME'
            cand --pod 'A Pod: NS/NAME'
            cand --node-id 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local'
            cand --xds-address 'The xDS server (HOST:PORT), instead of the flavour''s default'
            cand --flavour 'Which injection template''s bootstrap'
            cand --cert-dir 'Directory of cert-chain.pem, key.pem and root-cert.pem (grpc-agent)'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;xds;diff'= {
            cand --istio 'The istiod release OLD is rendered for: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]'
            cand --to-istio 'The istiod release NEW is rendered for [default: that of --istio]'
            cand --workload 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME'
            cand --pod 'A Pod: NS/NAME'
            cand --node-id 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local'
            cand --target 'A listener gRPC asks for, HOST:PORT (repeatable)'
            cand --type 'Resource types to compare'
            cand --cluster-domain 'The cluster''s DNS domain'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;xds;serve'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand --listen 'The address to listen on'
            cand --max-request-bytes 'The largest request accepted, in bytes, decoded (4 MiB, gRPC''s own default)'
            cand --max-resource-names 'The most resource names one request, or one incremental subscription of a type, may hold'
            cand --max-connections 'The most client connections open at once'
            cand --idle-timeout 'Close a connection that has had no open stream for this long'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand --watch 'Read the input files again when one changes, and push what changed'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;xds;route'= {
            cand -f 'A file or directory to read (repeatable), as kubectl spells it'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand --workload 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME'
            cand --pod 'A Pod: NS/NAME'
            cand --node-id 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local'
            cand --client-namespace 'The namespace of the assumed client (default: the namespace of the --target host, `NAME.NS...`)'
            cand --target 'The target the client dials, HOST:PORT as in xds:///HOST:PORT'
            cand --method 'The RPC''s method path, /package.Service/Method'
            cand -H 'Request metadata, NAME=VALUE (repeatable)'
            cand --header 'Request metadata, NAME=VALUE (repeatable)'
            cand --grpc 'The client''s gRPC runtime, LANG@VERSION (e.g. go@1.66), LANG, or `any` (current releases of C++, Python, Java, Go and Node)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand --assume-proxyless 'For configuration-only inputs: a proxyless client assumed in --client-namespace, with no labels'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;xds;help'= {
            cand render 'What the workload''s gRPC clients and servers would receive: LDS, RDS, CDS, EDS'
            cand bootstrap 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)'
            cand diff 'How a config change changes what a workload receives'
            cand serve 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files'
            cand route 'Where an RPC goes, and what gRPC applies to it, for one client'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mesh;xds;help;render'= {
        }
        &'mesh;xds;help;bootstrap'= {
        }
        &'mesh;xds;help;diff'= {
        }
        &'mesh;xds;help;serve'= {
        }
        &'mesh;xds;help;route'= {
        }
        &'mesh;xds;help;help'= {
        }
        &'mesh;test'= {
            cand -f 'Config file or directory the tests run against (repeatable), beside each test file''s own `config`'
            cand --filename 'Config file or directory the tests run against (repeatable), beside each test file''s own `config`'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap)'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap)'
            cand --cluster-domain 'The cluster''s DNS domain'
            cand --domain-suffix 'The cluster''s DNS domain'
            cand --istiod-env 'An istiod setting by its environment name (repeatable)'
            cand --istio 'The istiod release to test against: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]'
            cand --min-coverage 'Fail (exit 79) when fewer than PCT percent of the routes are reached'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;proxy-config'= {
            cand --addr 'A gRPC admin server serving CSDS (gRFC A38/A40) or an Envoy admin, HOST:PORT'
            cand -f 'A saved CSDS ClientStatusResponse or Envoy /config_dump (JSON, either casing; `-` for stdin); for `rootca-compare`, also a PEM root-cert.pem; for `channelz` and `health`, what their `-o json` printed'
            cand --file 'A saved CSDS ClientStatusResponse or Envoy /config_dump (JSON, either casing; `-` for stdin); for `rootca-compare`, also a PEM root-cert.pem; for `channelz` and `health`, what their `-o json` printed'
            cand -o 'Output format (`dump` always prints JSON) [default: table; json for bootstrap]'
            cand --output 'Output format (`dump` always prints JSON) [default: table; json for bootstrap]'
            cand --protocol 'How to ask the POD or `--addr`: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a pod''s sidecar]'
            cand --admin-port 'With a POD: the admin port in the pod [default: 15000 with an istio-proxy container, else the port named grpc-admin, admin or csds]'
            cand --scope 'Only the resources of this xDS client scope (`xds:/some.svc:7070` or `some.svc:7070`)'
            cand --name 'Only the resources with this exact name'
            cand --fqdn 'Clusters and endpoints whose cluster name contains this FQDN'
            cand --port 'Clusters and endpoints of this port (`|PORT|` in Istio''s cluster names), listeners on it, routes named for it, endpoints at it'
            cand --subset 'Clusters and endpoints whose cluster name contains this subset'
            cand --direction 'Clusters and endpoints whose cluster name contains this direction (`inbound`, `outbound`)'
            cand --address 'Listeners on this IP (their socket, or the IP in a gRPC server listener''s name), endpoints at it'
            cand --cluster 'Endpoints of clusters whose name contains this'
            cand --status 'Envoy endpoints in this health status (`HEALTHY`, `UNHEALTHY`…)'
            cand --timeout 'Time limit on connecting and on the CSDS call or admin requests, all of them (e.g. 10s, 500ms)'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too'
            cand --cluster-domain 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand --domain-suffix 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)'
            cand -k 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --use-kube 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default'
            cand --kubeconfig 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand -n 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --namespace 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace'
            cand --exclude 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable'
            cand --istiod-env 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults'
            cand --istio 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]'
            cand --workload 'With `diff`: the workload (Deployment, Pod, WorkloadEntry), NS/NAME'
            cand --service 'With `health`: only this service (repeatable; `""` is the server''s overall status)'
            cand --level 'With `log`: set levels first, `[LOGGER:]LEVEL,...` (a bare LEVEL sets every logger); LEVEL is trace, debug, info, warning, error, critical or off'
            cand -l 'With `log`: every pod this label selector picks (in -n, else the context''s namespace), instead of one POD'
            cand --selector 'With `log`: every pod this label selector picks (in -n, else the context''s namespace), instead of one POD'
            cand --filename 'A file or directory to read (repeatable), as kubectl spells it'
            cand -A 'Report findings in every namespace (the default for files)'
            cand --all-namespaces 'Report findings in every namespace (the default for files)'
            cand --no-ignore 'Read files that `.gitignore` files list when walking directories'
            cand -r 'With `log`: put back the levels the sidecar started with (`warning` without a POD)'
            cand --reset 'With `log`: put back the levels the sidecar started with (`warning` without a POD)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mesh;proxy-status'= {
            cand --addr 'A gRPC admin server (CSDS) or Envoy admin to ask, optionally named (repeatable)'
            cand --targets 'A file of admin servers to ask, one [NAME=]HOST:PORT a line'
            cand -f 'A saved CSDS response or Envoy /config_dump, a row of its own (repeatable)'
            cand --file 'A saved CSDS response or Envoy /config_dump, a row of its own (repeatable)'
            cand -n 'With --kube: only the pods of this namespace'
            cand --namespace 'With --kube: only the pods of this namespace'
            cand --kubeconfig 'With --kube: the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)'
            cand --context 'With --kube: the kubeconfig context to use'
            cand --admin-port 'With --kube: the gRPC admin port of every proxyless pod [default: its container port named grpc-admin, admin or csds]'
            cand --protocol 'How to ask an --addr or a proxyless pod: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a sidecar]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --timeout 'Time limit on each target: the port-forward, connecting and the call (e.g. 5s, 500ms)'
            cand --parallel 'How many targets are asked at a time'
            cand --mesh-config 'Mesh config file (MeshConfig, or the `istio` ConfigMap) of the intended config'
            cand --meshConfigFile 'Mesh config file (MeshConfig, or the `istio` ConfigMap) of the intended config'
            cand --cluster-domain 'The cluster''s DNS domain'
            cand --domain-suffix 'The cluster''s DNS domain'
            cand --istiod-env 'An istiod setting by its environment name (repeatable)'
            cand --istio 'The istiod release to render the intended config for: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]'
            cand --kube 'Every proxyless and sidecar pod of the cluster (kubeconfig, or in-cluster credentials)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
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
            cand kube-inject 'Inject Istio''s sidecar, gateway or proxyless gRPC templates into manifests, offline'
            cand convert 'Convert config as istiod does: `gateway-api` prints the Istio config istiod generates from Gateway API objects'
            cand xds 'What istiod sends proxyless gRPC workloads: render, bootstrap, diff, serve, route'
            cand test 'Run routing tests: RPCs and where they must go, checked offline'
            cand proxy-config 'The live xDS config of a proxyless gRPC app (CSDS) or a saved dump, with ACK/NACK status'
            cand proxy-status 'Every proxyless gRPC app (and Envoy sidecar) at once: what each holds per resource type and status, the version and age of its config, and whether it holds the intended config'
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
        &'mesh;help;kube-inject'= {
        }
        &'mesh;help;convert'= {
            cand gateway-api 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them'
        }
        &'mesh;help;convert;gateway-api'= {
        }
        &'mesh;help;xds'= {
            cand render 'What the workload''s gRPC clients and servers would receive: LDS, RDS, CDS, EDS'
            cand bootstrap 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)'
            cand diff 'How a config change changes what a workload receives'
            cand serve 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files'
            cand route 'Where an RPC goes, and what gRPC applies to it, for one client'
        }
        &'mesh;help;xds;render'= {
        }
        &'mesh;help;xds;bootstrap'= {
        }
        &'mesh;help;xds;diff'= {
        }
        &'mesh;help;xds;serve'= {
        }
        &'mesh;help;xds;route'= {
        }
        &'mesh;help;test'= {
        }
        &'mesh;help;proxy-config'= {
        }
        &'mesh;help;proxy-status'= {
        }
        &'mesh;help;version'= {
        }
        &'mesh;help;help'= {
        }
    ]
    $completions[$command]
}
