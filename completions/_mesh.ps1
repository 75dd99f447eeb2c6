
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mesh' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mesh'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mesh' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Find what istioctl analyze finds, at the exact line, without its false positives')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check Istio and Kubernetes YAML against schemas and Istio''s field rules')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the documentation of a rule, by code (IST0101) or name')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of a kind (the files under schemas/), or list kinds')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('kube-inject', 'kube-inject', [CompletionResultType]::ParameterValue, 'Inject Istio''s sidecar, gateway or proxyless gRPC templates into manifests, offline')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Convert config as istiod does: `gateway-api` prints the Istio config istiod generates from Gateway API objects')
            [CompletionResult]::new('xds', 'xds', [CompletionResultType]::ParameterValue, 'What istiod sends proxyless gRPC workloads: render, bootstrap, diff, serve, route')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run routing tests: RPCs and where they must go, checked offline')
            [CompletionResult]::new('proxy-config', 'proxy-config', [CompletionResultType]::ParameterValue, 'The live xDS config of a proxyless gRPC app (CSDS) or a saved dump, with ACK/NACK status')
            [CompletionResult]::new('proxy-status', 'proxy-status', [CompletionResultType]::ParameterValue, 'Every proxyless gRPC app (and Envoy sidecar) at once: what each holds per resource type and status, the version and age of its config, and whether it holds the intended config')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version of mesh')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mesh;analyze' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--failure-threshold', '--failure-threshold', [CompletionResultType]::ParameterName, 'Exit with 79 when a finding is at or above this level')
            [CompletionResult]::new('--output-threshold', '--output-threshold', [CompletionResultType]::ParameterName, 'Print only findings at or above this level')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour text output')
            [CompletionResult]::new('-S', '-S ', [CompletionResultType]::ParameterName, 'Hide findings: ''CODE=Kind ns/name'', `*` globs allowed (repeatable)')
            [CompletionResult]::new('--suppress', '--suppress', [CompletionResultType]::ParameterName, 'Hide findings: ''CODE=Kind ns/name'', `*` globs allowed (repeatable)')
            [CompletionResult]::new('--select', '--select', [CompletionResultType]::ParameterName, 'Run only these rules (codes or names, comma-separated). Opt-in rules (marked in --list-rules) run only when named here')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Do not run these rules (codes or names, comma-separated)')
            [CompletionResult]::new('--grpc', '--grpc', [CompletionResultType]::ParameterName, 'The gRPC runtime of proxyless workloads: LANG@VERSION (cpp, python, ruby, php, java, go, node; e.g. go@1.66), LANG for a current release, or `any` (report what C++, Python, Java, Go or Node mis-handles, naming which; Ruby and PHP only when named). A workload''s `mesh.dev/grpc-runtime` annotation overrides it')
            [CompletionResult]::new('--report-unresolved', '--report-unresolved', [CompletionResultType]::ParameterName, 'Report references to objects of these kinds (or `all`) that the inputs do not hold even when the inputs hold no object of the kind, as istioctl does. By default those findings are set aside (the inputs are evidently partial for that kind) and the run summary counts them')
            [CompletionResult]::new('--ignore-unresolved', '--ignore-unresolved', [CompletionResultType]::ParameterName, 'Analyzing part of a mesh: set aside findings on references to objects of these kinds that the inputs do not hold, even when the inputs hold some of the kind (Service also covers ServiceEntry hosts). The run summary counts them')
            [CompletionResult]::new('--mesh-networks', '--mesh-networks', [CompletionResultType]::ParameterName, 'A MeshNetworks config file (`networks:` by name): IST0126 checks its `fromRegistry` endpoints')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each request to the cluster may take, with --kube')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail on what mesh cannot check: each object of an unknown kind or version is an Error (MESH004), and inputs with no object exit 65')
            [CompletionResult]::new('--assume-proxyless', '--assume-proxyless', [CompletionResultType]::ParameterName, 'Check configuration-only inputs as proxyless gRPC workloads would receive them: every host is taken to be dialled by proxyless clients (of the --grpc runtime) from every namespace of the inputs that can see it, and every Service or policy selector that selects no workload of the inputs to select proxyless servers. Findings name them "in NS (assumed)"')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'List the rules with their code, name, level and summary, then exit')
            [CompletionResult]::new('--list-rules', '--list-rules', [CompletionResultType]::ParameterName, 'List the rules with their code, name, level and summary, then exit')
            [CompletionResult]::new('--list-analyzers', '--list-analyzers', [CompletionResultType]::ParameterName, 'List the rules with their code, name, level and summary, then exit')
            [CompletionResult]::new('--ignore-unknown', '--ignore-unknown', [CompletionResultType]::ParameterName, 'Documents that cannot be read are counted in the summary, but are no finding (MESH002) and do not make the exit code 65 (istioctl''s flag)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;validate' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--failure-threshold', '--failure-threshold', [CompletionResultType]::ParameterName, 'Exit with 79 when a finding is at or above this level')
            [CompletionResult]::new('--output-threshold', '--output-threshold', [CompletionResultType]::ParameterName, 'Print only findings at or above this level')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour text output')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail on what mesh cannot check: each object of an unknown kind or version is an Error (MESH004), and inputs with no object exit 65')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;explain' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh;schema' {
            [CompletionResult]::new('--api-version', '--api-version', [CompletionResultType]::ParameterName, 'apiVersion (or just the version) when a kind has several; the newest by default')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh;kube-inject' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest to inject, or `-` for stdin')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'The manifest to inject, or `-` for stdin')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--inject-config', '--inject-config', [CompletionResultType]::ParameterName, 'Injector config: the `config` key of the `istio-sidecar-injector` ConfigMap, or the whole ConfigMap (its `values` key is then used too)')
            [CompletionResult]::new('--injectConfigFile', '--injectConfigFile', [CompletionResultType]::ParameterName, 'Injector config: the `config` key of the `istio-sidecar-injector` ConfigMap, or the whole ConfigMap (its `values` key is then used too)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Injector values: the `values` key of the `istio-sidecar-injector` ConfigMap (JSON or YAML)')
            [CompletionResult]::new('--valuesFile', '--valuesFile', [CompletionResultType]::ParameterName, 'Injector values: the `values` key of the `istio-sidecar-injector` ConfigMap (JSON or YAML)')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap)')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Control plane revision (`default` means none)')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Control plane revision (`default` means none)')
            [CompletionResult]::new('--native-sidecars', '--native-sidecars', [CompletionResultType]::ParameterName, 'Inject the proxy as a native sidecar (an init container with restartPolicy: Always)')
            [CompletionResult]::new('--templates', '--templates', [CompletionResultType]::ParameterName, 'Templates to inject into every pod, comma-separated, instead of each pod''s `inject.istio.io/templates` annotation')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print a unified diff of the change instead of the result')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;convert' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('gateway-api', 'gateway-api', [CompletionResultType]::ParameterValue, 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mesh;convert;gateway-api' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh;convert;help' {
            [CompletionResult]::new('gateway-api', 'gateway-api', [CompletionResultType]::ParameterValue, 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mesh;convert;help;gateway-api' {
            break
        }
        'mesh;convert;help;help' {
            break
        }
        'mesh;xds' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'What the workload''s gRPC clients and servers would receive: LDS, RDS, CDS, EDS')
            [CompletionResult]::new('bootstrap', 'bootstrap', [CompletionResultType]::ParameterValue, 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'How a config change changes what a workload receives')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'Where an RPC goes, and what gRPC applies to it, for one client')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mesh;xds;render' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME')
            [CompletionResult]::new('--pod', '--pod', [CompletionResultType]::ParameterName, 'A Pod: NS/NAME')
            [CompletionResult]::new('--node-id', '--node-id', [CompletionResultType]::ParameterName, 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local')
            [CompletionResult]::new('--client-namespace', '--client-namespace', [CompletionResultType]::ParameterName, 'The namespace of the assumed client (default: the namespace of the first --target host, `NAME.NS...`)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'A listener gRPC asks for, HOST:PORT as in xds:///HOST:PORT (repeatable)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Resource types to print')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--server-address', '--server-address', [CompletionResultType]::ParameterName, 'The address the workload''s gRPC servers listen on, in server listener names')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('--all-proxyless', '--all-proxyless', [CompletionResultType]::ParameterName, 'Every proxyless workload of the inputs, rendered on all cores; with `-o table`, one line per workload: resources of each type and bytes')
            [CompletionResult]::new('--assume-proxyless', '--assume-proxyless', [CompletionResultType]::ParameterName, 'For configuration-only inputs: render for a proxyless client assumed in --client-namespace, with no labels (as `mesh analyze --assume-proxyless` assumes one in every namespace)')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'With `--all-proxyless -o table`: a column with each workload''s render time (milliseconds on one core), and the totals on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;xds;bootstrap' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME')
            [CompletionResult]::new('--pod', '--pod', [CompletionResultType]::ParameterName, 'A Pod: NS/NAME')
            [CompletionResult]::new('--node-id', '--node-id', [CompletionResultType]::ParameterName, 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local')
            [CompletionResult]::new('--xds-address', '--xds-address', [CompletionResultType]::ParameterName, 'The xDS server (HOST:PORT), instead of the flavour''s default')
            [CompletionResult]::new('--flavour', '--flavour', [CompletionResultType]::ParameterName, 'Which injection template''s bootstrap')
            [CompletionResult]::new('--cert-dir', '--cert-dir', [CompletionResultType]::ParameterName, 'Directory of cert-chain.pem, key.pem and root-cert.pem (grpc-agent)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;xds;diff' {
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release OLD is rendered for: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]')
            [CompletionResult]::new('--to-istio', '--to-istio', [CompletionResultType]::ParameterName, 'The istiod release NEW is rendered for [default: that of --istio]')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME')
            [CompletionResult]::new('--pod', '--pod', [CompletionResultType]::ParameterName, 'A Pod: NS/NAME')
            [CompletionResult]::new('--node-id', '--node-id', [CompletionResultType]::ParameterName, 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'A listener gRPC asks for, HOST:PORT (repeatable)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Resource types to compare')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;xds;serve' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'The address to listen on')
            [CompletionResult]::new('--max-request-bytes', '--max-request-bytes', [CompletionResultType]::ParameterName, 'The largest request accepted, in bytes, decoded (4 MiB, gRPC''s own default)')
            [CompletionResult]::new('--max-resource-names', '--max-resource-names', [CompletionResultType]::ParameterName, 'The most resource names one request, or one incremental subscription of a type, may hold')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'The most client connections open at once')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close a connection that has had no open stream for this long')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Read the input files again when one changes, and push what changed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;xds;route' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'A Deployment (or other workload with a pod template), Pod or WorkloadEntry: NS/NAME')
            [CompletionResult]::new('--pod', '--pod', [CompletionResultType]::ParameterName, 'A Pod: NS/NAME')
            [CompletionResult]::new('--node-id', '--node-id', [CompletionResultType]::ParameterName, 'An Istio node id: sidecar~IP~POD.NS~NS.svc.cluster.local')
            [CompletionResult]::new('--client-namespace', '--client-namespace', [CompletionResultType]::ParameterName, 'The namespace of the assumed client (default: the namespace of the --target host, `NAME.NS...`)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'The target the client dials, HOST:PORT as in xds:///HOST:PORT')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'The RPC''s method path, /package.Service/Method')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Request metadata, NAME=VALUE (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Request metadata, NAME=VALUE (repeatable)')
            [CompletionResult]::new('--grpc', '--grpc', [CompletionResultType]::ParameterName, 'The client''s gRPC runtime, LANG@VERSION (e.g. go@1.66), LANG, or `any` (current releases of C++, Python, Java, Go and Node)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('--assume-proxyless', '--assume-proxyless', [CompletionResultType]::ParameterName, 'For configuration-only inputs: a proxyless client assumed in --client-namespace, with no labels')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;xds;help' {
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'What the workload''s gRPC clients and servers would receive: LDS, RDS, CDS, EDS')
            [CompletionResult]::new('bootstrap', 'bootstrap', [CompletionResultType]::ParameterValue, 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'How a config change changes what a workload receives')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'Where an RPC goes, and what gRPC applies to it, for one client')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mesh;xds;help;render' {
            break
        }
        'mesh;xds;help;bootstrap' {
            break
        }
        'mesh;xds;help;diff' {
            break
        }
        'mesh;xds;help;serve' {
            break
        }
        'mesh;xds;help;route' {
            break
        }
        'mesh;xds;help;help' {
            break
        }
        'mesh;test' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Config file or directory the tests run against (repeatable), beside each test file''s own `config`')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Config file or directory the tests run against (repeatable), beside each test file''s own `config`')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap)')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable)')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to test against: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]')
            [CompletionResult]::new('--min-coverage', '--min-coverage', [CompletionResultType]::ParameterName, 'Fail (exit 79) when fewer than PCT percent of the routes are reached')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;proxy-config' {
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'A gRPC admin server serving CSDS (gRFC A38/A40) or an Envoy admin, HOST:PORT')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A saved CSDS ClientStatusResponse or Envoy /config_dump (JSON, either casing; `-` for stdin); for `rootca-compare`, also a PEM root-cert.pem; for `channelz` and `health`, what their `-o json` printed')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A saved CSDS ClientStatusResponse or Envoy /config_dump (JSON, either casing; `-` for stdin); for `rootca-compare`, also a PEM root-cert.pem; for `channelz` and `health`, what their `-o json` printed')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (`dump` always prints JSON) [default: table; json for bootstrap]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (`dump` always prints JSON) [default: table; json for bootstrap]')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'How to ask the POD or `--addr`: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a pod''s sidecar]')
            [CompletionResult]::new('--admin-port', '--admin-port', [CompletionResultType]::ParameterName, 'With a POD: the admin port in the pod [default: 15000 with an istio-proxy container, else the port named grpc-admin, admin or csds]')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Only the resources of this xDS client scope (`xds:/some.svc:7070` or `some.svc:7070`)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only the resources with this exact name')
            [CompletionResult]::new('--fqdn', '--fqdn', [CompletionResultType]::ParameterName, 'Clusters and endpoints whose cluster name contains this FQDN')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Clusters and endpoints of this port (`|PORT|` in Istio''s cluster names), listeners on it, routes named for it, endpoints at it')
            [CompletionResult]::new('--subset', '--subset', [CompletionResultType]::ParameterName, 'Clusters and endpoints whose cluster name contains this subset')
            [CompletionResult]::new('--direction', '--direction', [CompletionResultType]::ParameterName, 'Clusters and endpoints whose cluster name contains this direction (`inbound`, `outbound`)')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Listeners on this IP (their socket, or the IP in a gRPC server listener''s name), endpoints at it')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Endpoints of clusters whose name contains this')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Envoy endpoints in this health status (`HEALTHY`, `UNHEALTHY`…)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit on connecting and on the CSDS call or admin requests, all of them (e.g. 10s, 500ms)')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap); validated too')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for host names such as `svc.ns.svc.DOMAIN` (istiod''s domain suffix)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--use-kube', '--use-kube', [CompletionResultType]::ParameterName, 'Also read the live cluster (kubeconfig, or in-cluster credentials). `--kube=false` (istioctl''s `-k=false`) reads files only, the default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of objects that name none (default: `default`), and the one findings are reported for; with --kube, the context''s by default; a POD''s namespace')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out paths matching GLOB (`.gitignore` syntax: `values.yaml` at any depth, `charts/` a directory); repeatable')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable), e.g. PILOT_ENABLE_ALPHA_GATEWAY_API=true; unset ones keep istiod''s defaults')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render and lint for: 1.22 … 1.31, or a patch such as 1.30.1 [default: MESH_ISTIO_VERSION, else with --kube istiod''s image tag, else the newest, 1.31]')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'With `diff`: the workload (Deployment, Pod, WorkloadEntry), NS/NAME')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'With `health`: only this service (repeatable; `""` is the server''s overall status)')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'With `log`: set levels first, `[LOGGER:]LEVEL,...` (a bare LEVEL sets every logger); LEVEL is trace, debug, info, warning, error, critical or off')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'With `log`: every pod this label selector picks (in -n, else the context''s namespace), instead of one POD')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'With `log`: every pod this label selector picks (in -n, else the context''s namespace), instead of one POD')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'A file or directory to read (repeatable), as kubectl spells it')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Report findings in every namespace (the default for files)')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Read files that `.gitignore` files list when walking directories')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'With `log`: put back the levels the sidecar started with (`warning` without a POD)')
            [CompletionResult]::new('--reset', '--reset', [CompletionResultType]::ParameterName, 'With `log`: put back the levels the sidecar started with (`warning` without a POD)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;proxy-status' {
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'A gRPC admin server (CSDS) or Envoy admin to ask, optionally named (repeatable)')
            [CompletionResult]::new('--targets', '--targets', [CompletionResultType]::ParameterName, 'A file of admin servers to ask, one [NAME=]HOST:PORT a line')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A saved CSDS response or Envoy /config_dump, a row of its own (repeatable)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A saved CSDS response or Envoy /config_dump, a row of its own (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'With --kube: only the pods of this namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'With --kube: only the pods of this namespace')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig context to use')
            [CompletionResult]::new('--admin-port', '--admin-port', [CompletionResultType]::ParameterName, 'With --kube: the gRPC admin port of every proxyless pod [default: its container port named grpc-admin, admin or csds]')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'How to ask an --addr or a proxyless pod: `auto` tries CSDS, then the Envoy admin API [default: auto; envoy for a sidecar]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit on each target: the port-forward, connecting and the call (e.g. 5s, 500ms)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'How many targets are asked at a time')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap) of the intended config')
            [CompletionResult]::new('--meshConfigFile', '--meshConfigFile', [CompletionResultType]::ParameterName, 'Mesh config file (MeshConfig, or the `istio` ConfigMap) of the intended config')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain')
            [CompletionResult]::new('--domain-suffix', '--domain-suffix', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain')
            [CompletionResult]::new('--istiod-env', '--istiod-env', [CompletionResultType]::ParameterName, 'An istiod setting by its environment name (repeatable)')
            [CompletionResult]::new('--istio', '--istio', [CompletionResultType]::ParameterName, 'The istiod release to render the intended config for: 1.22 … 1.31 [default: MESH_ISTIO_VERSION, else the newest, 1.31]')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Every proxyless and sidecar pod of the cluster (kubeconfig, or in-cluster credentials)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mesh;version' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh;help' {
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Find what istioctl analyze finds, at the exact line, without its false positives')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check Istio and Kubernetes YAML against schemas and Istio''s field rules')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the documentation of a rule, by code (IST0101) or name')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the JSON Schema of a kind (the files under schemas/), or list kinds')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('kube-inject', 'kube-inject', [CompletionResultType]::ParameterValue, 'Inject Istio''s sidecar, gateway or proxyless gRPC templates into manifests, offline')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Convert config as istiod does: `gateway-api` prints the Istio config istiod generates from Gateway API objects')
            [CompletionResult]::new('xds', 'xds', [CompletionResultType]::ParameterValue, 'What istiod sends proxyless gRPC workloads: render, bootstrap, diff, serve, route')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run routing tests: RPCs and where they must go, checked offline')
            [CompletionResult]::new('proxy-config', 'proxy-config', [CompletionResultType]::ParameterValue, 'The live xDS config of a proxyless gRPC app (CSDS) or a saved dump, with ACK/NACK status')
            [CompletionResult]::new('proxy-status', 'proxy-status', [CompletionResultType]::ParameterValue, 'Every proxyless gRPC app (and Envoy sidecar) at once: what each holds per resource type and status, the version and age of its config, and whether it holds the intended config')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version of mesh')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mesh;help;analyze' {
            break
        }
        'mesh;help;validate' {
            break
        }
        'mesh;help;explain' {
            break
        }
        'mesh;help;schema' {
            break
        }
        'mesh;help;completions' {
            break
        }
        'mesh;help;kube-inject' {
            break
        }
        'mesh;help;convert' {
            [CompletionResult]::new('gateway-api', 'gateway-api', [CompletionResultType]::ParameterValue, 'The Istio Gateways, VirtualServices and DestinationRules istiod generates from Gateway API objects (Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ListenerSet, ReferenceGrant...), with the Services, ServiceEntries and Namespaces around them')
            break
        }
        'mesh;help;convert;gateway-api' {
            break
        }
        'mesh;help;xds' {
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'What the workload''s gRPC clients and servers would receive: LDS, RDS, CDS, EDS')
            [CompletionResult]::new('bootstrap', 'bootstrap', [CompletionResultType]::ParameterValue, 'The gRPC xDS bootstrap file of a workload (GRPC_XDS_BOOTSTRAP)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'How a config change changes what a workload receives')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'An xDS server (ADS, state of the world or incremental) for real gRPC clients, on files')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'Where an RPC goes, and what gRPC applies to it, for one client')
            break
        }
        'mesh;help;xds;render' {
            break
        }
        'mesh;help;xds;bootstrap' {
            break
        }
        'mesh;help;xds;diff' {
            break
        }
        'mesh;help;xds;serve' {
            break
        }
        'mesh;help;xds;route' {
            break
        }
        'mesh;help;test' {
            break
        }
        'mesh;help;proxy-config' {
            break
        }
        'mesh;help;proxy-status' {
            break
        }
        'mesh;help;version' {
            break
        }
        'mesh;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
