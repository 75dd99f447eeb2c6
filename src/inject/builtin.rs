//! The built-in injector config and values, used when no `--inject-config`
//! or `--values` is given: our own template text for `sidecar`, `gateway`,
//! `grpc-agent` and `grpc-simple`, equivalent in effect to Istio's default
//! chart, and the chart's default values.

use serde_json::{json, Value as Json};

pub fn config() -> Json {
    json!({
        "templates": {
            "sidecar": with_common(include_str!("builtin/sidecar.tmpl")),
            "gateway": with_common(include_str!("builtin/gateway.tmpl")),
            "grpc-agent": with_common(include_str!("builtin/grpc-agent.tmpl")),
            "grpc-simple": include_str!("builtin/grpc-simple.tmpl"),
        }
    })
}

/// The shared `define`s, ahead of a template's own text.
fn with_common(template: &str) -> String {
    format!("{}{template}", include_str!("builtin/common.tmpl"))
}

pub fn values() -> Json {
    json!({
        "global": {
            "hub": "docker.io/istio",
            "tag": "1.28.0",
            "variant": "",
            "caAddress": "",
            "caName": "",
            "imagePullPolicy": "",
            "imagePullSecrets": [],
            "istioNamespace": "istio-system",
            "logAsJson": false,
            "logging": {"level": "default:info"},
            "meshID": "",
            "mountMtlsCerts": false,
            "multiCluster": {"clusterName": ""},
            "nativeNftables": false,
            "network": "",
            "pilotCertProvider": "istiod",
            "proxy": {
                "clusterDomain": "cluster.local",
                "componentLogLevel": "misc:error",
                "excludeIPRanges": "",
                "excludeInboundPorts": "",
                "excludeOutboundPorts": "",
                "image": "proxyv2",
                "includeIPRanges": "*",
                "includeInboundPorts": "*",
                "includeOutboundPorts": "",
                "logLevel": "warning",
                "outlierLogPath": "",
                "privileged": false,
                "readinessFailureThreshold": 4,
                "readinessInitialDelaySeconds": 0,
                "readinessPeriodSeconds": 15,
                "resources": {
                    "limits": {"cpu": "2000m", "memory": "1024Mi"},
                    "requests": {"cpu": "100m", "memory": "128Mi"}
                },
                "seccompProfile": {},
                "startupProbe": {"enabled": true, "failureThreshold": 600},
                "statusPort": 15020,
                "tracer": "none"
            },
            "proxy_init": {"forceApplyIptables": false, "image": "proxyv2"},
            "sds": {"token": {"aud": "istio-ca"}},
            "sts": {"servicePort": 0}
        },
        "pilot": {"cni": {"enabled": false, "provider": "default"}, "env": {}},
        "gateways": {"seccompProfile": {}, "securityContext": {}},
        "revision": "",
        "sidecarInjectorWebhook": {"rewriteAppHTTPProbe": true}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inject::template::Template;

    #[test]
    fn every_built_in_template_parses() {
        let config = config();
        let templates = config["templates"].as_object().unwrap();
        assert_eq!(templates.len(), 4);
        for (name, text) in templates {
            if let Err(error) = Template::parse(name, text.as_str().unwrap()) {
                panic!("{error}");
            }
        }
    }
}
