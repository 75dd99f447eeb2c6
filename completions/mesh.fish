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
complete -c mesh -n "__fish_mesh_needs_command" -f -a "kube-inject" -d 'Inject Istio\'s sidecar, gateway or proxyless gRPC templates into manifests, offline'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "convert" -d 'Convert config as istiod does: `gateway-api` prints the Istio config istiod generates from Gateway API objects'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "xds" -d 'What istiod sends proxyless gRPC workloads: render, bootstrap, diff, serve, route'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "test" -d 'Run routing tests: RPCs and where they must go, checked offline'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "proxy-config" -d 'The live xDS config of a proxyless gRPC app (CSDS) or a saved dump, with ACK/NACK status'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "proxy-status" -d 'Every proxyless gRPC app (and Envoy sidecar) at once: what each holds per resource type and status, the version and age of its config, and whether it holds the intended config'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "version" -d 'Print the version of mesh'
complete -c mesh -n "__fish_mesh_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
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
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l select -d 'Run only these rules (codes or names, comma-separated). Opt-in rules (marked in --list-rules) run only when named here' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l ignore -d 'Do not run these rules (codes or names, comma-separated)' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l grpc -d 'The gRPC runtime of proxyless workloads: LANG@VERSION (cpp, python, ruby, php, java, go, node; e.g. go@1.66), LANG for a current release, or `any` (report what C++, Python, Java, Go or Node mis-handles, naming which; Ruby and PHP only when named). A workload\'s `mesh.dev/grpc-runtime` annotation overrides it' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l report-unresolved -d 'Report references to objects of these kinds (or `all`) that the inputs do not hold even when the inputs hold no object of the kind, as istioctl does. By default those findings are set aside (the inputs are evidently partial for that kind) and the run summary counts them' -r -f -a "all\t'Every kind'
Service\t'A host: a Kubernetes Service or a ServiceEntry host'
DestinationRule\t'A subset of a host\'s DestinationRule'
Gateway\t'An Istio or Kubernetes Gateway a VirtualService is bound to'
Secret\t'A TLS credential (Secret) a Gateway names'
Namespace\t'A namespace an AuthorizationPolicy or an `exportTo` names'
ServiceAccount\t'A service account an AuthorizationPolicy principal names'"
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l ignore-unresolved -d 'Analyzing part of a mesh: set aside findings on references to objects of these kinds that the inputs do not hold, even when the inputs hold some of the kind (Service also covers ServiceEntry hosts). The run summary counts them' -r -f -a "Service\t'A host: a Kubernetes Service or a ServiceEntry host'
DestinationRule\t'A subset of a host\'s DestinationRule'
Gateway\t'An Istio or Kubernetes Gateway a VirtualService is bound to'
Secret\t'A TLS credential (Secret) a Gateway names'
Namespace\t'A namespace an AuthorizationPolicy or an `exportTo` names'
ServiceAccount\t'A service account an AuthorizationPolicy principal names'"
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l mesh-networks -d 'A MeshNetworks config file (`networks:` by name): IST0126 checks its `fromRegistry` endpoints' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l timeout -d 'How long each request to the cluster may take, with --kube' -r
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l strict -d 'Fail on what mesh cannot check: each object of an unknown kind or version is an Error (MESH004), and inputs with no object exit 65'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l assume-proxyless -d 'Check configuration-only inputs as proxyless gRPC workloads would receive them: every host is taken to be dialled by proxyless clients (of the --grpc runtime) from every namespace of the inputs that can see it, and every Service or policy selector that selects no workload of the inputs to select proxyless servers. Findings name them "in NS (assumed)"'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s L -l list-rules -l list-analyzers -d 'List the rules with their code, name, level and summary, then exit'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -l ignore-unknown -d 'Documents that cannot be read are counted in the summary, but are no finding (MESH002) and do not make the exit code 65 (istioctl\'s flag)'
complete -c mesh -n "__fish_mesh_using_subcommand analyze" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
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
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand validate" -l strict -d 'Fail on what mesh cannot check: each object of an unknown kind or version is an Error (MESH004), and inputs with no object exit 65'
complete -c mesh -n "__fish_mesh_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand explain" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand schema" -l api-version -d 'apiVersion (or just the version) when a kind has several; the newest by default' -r
complete -c mesh -n "__fish_mesh_using_subcommand schema" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -s f -l filename -d 'The manifest to inject, or `-` for stdin' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -s o -l output -d 'Write the result to FILE (atomically) instead of stdout' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -l inject-config -l injectConfigFile -d 'Injector config: the `config` key of the `istio-sidecar-injector` ConfigMap, or the whole ConfigMap (its `values` key is then used too)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -l values -l valuesFile -d 'Injector values: the `values` key of the `istio-sidecar-injector` ConfigMap (JSON or YAML)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -s r -l revision -d 'Control plane revision (`default` means none)' -r
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -l native-sidecars -d 'Inject the proxy as a native sidecar (an init container with restartPolicy: Always)' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -l templates -d 'Templates to inject into every pod, comma-separated, instead of each pod\'s `inject.istio.io/templates` annotation' -r
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -l diff -d 'Print a unified diff of the change instead of the result'
complete -c mesh -n "__fish_mesh_using_subcommand kube-inject" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and not __fish_seen_subcommand_from gateway-api help" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and not __fish_seen_subcommand_from gateway-api help" -f -a "gateway-api" -d 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and not __fish_seen_subcommand_from gateway-api help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -s o -l output -d 'Output format' -r -f -a "yaml\t''
json\t''"
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from gateway-api" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from help" -f -a "gateway-api" -d 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them'
complete -c mesh -n "__fish_mesh_using_subcommand convert; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and not __fish_seen_subcommand_from render bootstrap diff serve route help" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and not __fish_seen_subcommand_from render bootstrap diff serve route help" -f -a "render" -d 'What the workload\'s gRPC clients and servers would receive: LDS, RDS, CDS, EDS'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and not __fish_seen_subcommand_from render bootstrap diff serve route help" -f -a "bootstrap" -d 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and not __fish_seen_subcommand_from render bootstrap diff serve route help" -f -a "diff" -d 'How a config change changes what a workload receives'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and not __fish_seen_subcommand_from render bootstrap diff serve route help" -f -a "serve" -d 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and not __fish_seen_subcommand_from render bootstrap diff serve route help" -f -a "route" -d 'Where an RPC goes, and what gRPC applies to it, for one client'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and not __fish_seen_subcommand_from render bootstrap diff serve route help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l workload -d 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l pod -d 'A Pod: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l node-id -d 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l client-namespace -d 'The namespace of the assumed client (default: the namespace of the first --target host, `NAME.NS...`)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l target -d 'A listener gRPC asks for, HOST:PORT as in xds:///HOST:PORT (repeatable)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l type -d 'Resource types to print' -r -f -a "lds\t''
rds\t''
cds\t''
eds\t''
all\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -s o -l output -d 'Output format' -r -f -a "json\t''
yaml\t''
table\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l server-address -d 'The address the workload\'s gRPC servers listen on, in server listener names' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l all-proxyless -d 'Every proxyless workload of the inputs, rendered on all cores; with `-o table`, one line per workload: resources of each type and bytes'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l assume-proxyless -d 'For configuration-only inputs: render for a proxyless client assumed in --client-namespace, with no labels (as `mesh analyze --assume-proxyless` assumes one in every namespace)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -l timings -d 'With `--all-proxyless -o table`: a column with each workload\'s render time (milliseconds on one core), and the totals on stderr'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l workload -d 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l pod -d 'A Pod: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l node-id -d 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l xds-address -d 'The xDS server (HOST:PORT), instead of the flavour\'s default' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l flavour -d 'Which injection template\'s bootstrap' -r -f -a "grpc-agent\t'istio-agent beside the app: xDS over a local socket, certificates on disk'
grpc-simple\t'An init container: plaintext xDS straight to istiod, no certificates'"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l cert-dir -d 'Directory of cert-chain.pem, key.pem and root-cert.pem (grpc-agent)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from bootstrap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l istio -d 'The istiod release OLD is rendered for: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l to-istio -d 'The istiod release NEW is rendered for [default: that of --istio]' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l workload -d 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l pod -d 'A Pod: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l node-id -d 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l target -d 'A listener gRPC asks for, HOST:PORT (repeatable)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l type -d 'Resource types to compare' -r -f -a "lds\t''
rds\t''
cds\t''
eds\t''
all\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -l cluster-domain -d 'The cluster\'s DNS domain' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l listen -d 'The address to listen on' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l max-request-bytes -d 'The largest request accepted, in bytes, decoded (4 MiB, gRPC\'s own default)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l max-resource-names -d 'The most resource names one request, or one incremental subscription of a type, may hold' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l max-connections -d 'The most client connections open at once' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l idle-timeout -d 'Close a connection that has had no open stream for this long' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -l watch -d 'Read the input files again when one changes, and push what changed'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -s f -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l workload -d 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l pod -d 'A Pod: NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l node-id -d 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l client-namespace -d 'The namespace of the assumed client (default: the namespace of the --target host, `NAME.NS...`)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l target -d 'The target the client dials, HOST:PORT as in xds:///HOST:PORT' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l method -d 'The RPC\'s method path, /package.Service/Method' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -s H -l header -d 'Request metadata, NAME=VALUE (repeatable)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l grpc -d 'The client\'s gRPC runtime, LANG@VERSION (e.g. go@1.66), LANG, or `any` (current releases of C++, Python, Java, Go and Node)' -r
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -l assume-proxyless -d 'For configuration-only inputs: a proxyless client assumed in --client-namespace, with no labels'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from route" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from help" -f -a "render" -d 'What the workload\'s gRPC clients and servers would receive: LDS, RDS, CDS, EDS'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from help" -f -a "bootstrap" -d 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from help" -f -a "diff" -d 'How a config change changes what a workload receives'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from help" -f -a "serve" -d 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from help" -f -a "route" -d 'Where an RPC goes, and what gRPC applies to it, for one client'
complete -c mesh -n "__fish_mesh_using_subcommand xds; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mesh -n "__fish_mesh_using_subcommand test" -s f -l filename -d 'Config file or directory the tests run against (repeatable), beside each test file\'s own `config`' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand test" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand test" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain' -r
complete -c mesh -n "__fish_mesh_using_subcommand test" -l istiod-env -d 'An istiod setting by its environment name (repeatable)' -r
complete -c mesh -n "__fish_mesh_using_subcommand test" -l istio -d 'The istiod release to test against: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand test" -l min-coverage -d 'Fail (exit 79) when fewer than PCT percent of the routes are reached' -r
complete -c mesh -n "__fish_mesh_using_subcommand test" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
junit\t''
sarif\t''"
complete -c mesh -n "__fish_mesh_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l addr -d 'A gRPC admin server serving CSDS (gRFC A38/A40) or an Envoy admin, HOST:PORT' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s f -l file -d 'A saved CSDS ClientStatusResponse or Envoy /config_dump (JSON, either casing; `-` for stdin); for `rootca-compare`, also a PEM root-cert.pem; for `channelz` and `health`, what their `-o json` printed' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s o -l output -d 'Output format (`dump` always prints JSON) [default: table; json for bootstrap]' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l protocol -d 'How to ask the POD or `--addr`: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a pod\'s sidecar]' -r -f -a "auto\t'CSDS first, then the Envoy admin API'
csds\t'gRPC CSDS (a proxyless gRPC app\'s admin server)'
envoy\t'Envoy\'s admin API over HTTP (`/config_dump`, `/clusters`)'"
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l admin-port -d 'With a POD: the admin port in the pod [default: 15000 with an istio-proxy container, else the port named grpc-admin, admin or csds]' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l scope -d 'Only the resources of this xDS client scope (`xds:/some.svc:7070` or `some.svc:7070`)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l name -d 'Only the resources with this exact name' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l fqdn -d 'Clusters and endpoints whose cluster name contains this FQDN' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l port -d 'Clusters and endpoints of this port (`|PORT|` in Istio\'s cluster names), listeners on it, routes named for it, endpoints at it' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l subset -d 'Clusters and endpoints whose cluster name contains this subset' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l direction -d 'Clusters and endpoints whose cluster name contains this direction (`inbound`, `outbound`)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l address -d 'Listeners on this IP (their socket, or the IP in a gRPC server listener\'s name), endpoints at it' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l cluster -d 'Endpoints of clusters whose name contains this' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l status -d 'Envoy endpoints in this health status (`HEALTHY`, `UNHEALTHY`…)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l timeout -d 'Time limit on connecting and on the CSDS call or admin requests, all of them (e.g. 10s, 500ms)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod\'s domain suffix)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s k -l kube -l use-kube -d 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl\'s `-k=false`) reads files only, the default' -r -f -a "true\t''
false\t''"
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l kubeconfig -d 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l context -d 'The kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s n -l namespace -d 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context\'s by default; a POD\'s namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l exclude -d 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l istiod-env -d 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod\'s defaults' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l istio -d 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod\'s image tag, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l workload -d 'With `diff`: the workload (Deployment, Pod, WorkloadEntry), NS/NAME' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l service -d 'With `health`: only this service (repeatable; `""` is the server\'s overall status)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l level -d 'With `log`: set levels first, `[LOGGER:]LEVEL,...` (a bare LEVEL sets every logger); LEVEL is trace, debug, info, warning, error, critical or off' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s l -l selector -d 'With `log`: every pod this label selector picks (in -n, else the context\'s namespace), instead of one POD' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l filename -d 'A file or directory to read (repeatable), as kubectl spells it' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s A -l all-namespaces -d 'Report findings in every namespace (the default for files)'
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -l no-ignore -d 'Read files that `.gitignore` files list when walking directories'
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s r -l reset -d 'With `log`: put back the levels the sidecar started with (`warning` without a POD)'
complete -c mesh -n "__fish_mesh_using_subcommand proxy-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l addr -d 'A gRPC admin server (CSDS) or Envoy admin to ask, optionally named (repeatable)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l targets -d 'A file of admin servers to ask, one [NAME=]HOST:PORT a line' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -s f -l file -d 'A saved CSDS response or Envoy /config_dump, a row of its own (repeatable)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -s n -l namespace -d 'With --kube: only the pods of this namespace' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l kubeconfig -d 'With --kube: the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l context -d 'With --kube: the kubeconfig context to use' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l admin-port -d 'With --kube: the gRPC admin port of every proxyless pod [default: its container port named grpc-admin, admin or csds]' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l protocol -d 'How to ask an --addr or a proxyless pod: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a sidecar]' -r -f -a "auto\t'CSDS first, then the Envoy admin API'
csds\t'gRPC CSDS (a proxyless gRPC app\'s admin server)'
envoy\t'Envoy\'s admin API over HTTP (`/config_dump`, `/clusters`)'"
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l timeout -d 'Time limit on each target: the port-forward, connecting and the call (e.g. 5s, 500ms)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l parallel -d 'How many targets are asked at a time' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l mesh-config -l meshConfigFile -d 'Mesh config file (MeshConfig, or the `istio` ConfigMap) of the intended config' -r -F
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l cluster-domain -l domain-suffix -d 'The cluster\'s DNS domain' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l istiod-env -d 'An istiod setting by its environment name (repeatable)' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l istio -d 'The istiod release to render the intended config for: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]' -r
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -l kube -d 'Every proxyless and sidecar pod of the cluster (kubeconfig, or in-cluster credentials)'
complete -c mesh -n "__fish_mesh_using_subcommand proxy-status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mesh -n "__fish_mesh_using_subcommand version" -s h -l help -d 'Print help'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "analyze" -d 'Find what istioctl analyze finds, at the exact line, without its false positives'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "validate" -d 'Check Istio and Kubernetes YAML against schemas and Istio\'s field rules'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "explain" -d 'Print the documentation of a rule, by code (IST0101) or name'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "schema" -d 'Print the JSON Schema of a kind (the files under schemas/), or list kinds'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish)'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "kube-inject" -d 'Inject Istio\'s sidecar, gateway or proxyless gRPC templates into manifests, offline'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "convert" -d 'Convert config as istiod does: `gateway-api` prints the Istio config istiod generates from Gateway API objects'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "xds" -d 'What istiod sends proxyless gRPC workloads: render, bootstrap, diff, serve, route'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "test" -d 'Run routing tests: RPCs and where they must go, checked offline'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "proxy-config" -d 'The live xDS config of a proxyless gRPC app (CSDS) or a saved dump, with ACK/NACK status'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "proxy-status" -d 'Every proxyless gRPC app (and Envoy sidecar) at once: what each holds per resource type and status, the version and age of its config, and whether it holds the intended config'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "version" -d 'Print the version of mesh'
complete -c mesh -n "__fish_mesh_using_subcommand help; and not __fish_seen_subcommand_from analyze validate explain schema completions kube-inject convert xds test proxy-config proxy-status version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mesh -n "__fish_mesh_using_subcommand help; and __fish_seen_subcommand_from convert" -f -a "gateway-api" -d 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them'
complete -c mesh -n "__fish_mesh_using_subcommand help; and __fish_seen_subcommand_from xds" -f -a "render" -d 'What the workload\'s gRPC clients and servers would receive: LDS, RDS, CDS, EDS'
complete -c mesh -n "__fish_mesh_using_subcommand help; and __fish_seen_subcommand_from xds" -f -a "bootstrap" -d 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)'
complete -c mesh -n "__fish_mesh_using_subcommand help; and __fish_seen_subcommand_from xds" -f -a "diff" -d 'How a config change changes what a workload receives'
complete -c mesh -n "__fish_mesh_using_subcommand help; and __fish_seen_subcommand_from xds" -f -a "serve" -d 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files'
complete -c mesh -n "__fish_mesh_using_subcommand help; and __fish_seen_subcommand_from xds" -f -a "route" -d 'Where an RPC goes, and what gRPC applies to it, for one client'
