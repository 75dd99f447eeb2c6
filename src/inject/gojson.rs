//! JSON as Go's `encoding/json` writes Kubernetes structs: fields in struct
//! order (maps sorted), compact. Istio writes such JSON into annotations and
//! environment variables (`proxy.istio.io/overrides`, `ISTIO_META_POD_PORTS`),
//! so the bytes must match.

use serde_json::Value as Json;

/// The Kubernetes types whose field order we know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GoType {
    Container,
    ContainerPort,
    EnvVar,
    EnvVarSource,
    VolumeMount,
    Probe,
    HttpGet,
    TcpSocket,
    Grpc,
    Exec,
    Lifecycle,
    LifecycleHandler,
    SecurityContext,
    Capabilities,
    Resources,
    /// A map: keys sorted.
    Map,
    /// Unknown: keys sorted, as for a map.
    Unknown,
}

/// Field order and field types of a struct.
fn fields(ty: GoType) -> &'static [(&'static str, GoType)] {
    use GoType::*;
    match ty {
        Container => &[
            ("name", Unknown),
            ("image", Unknown),
            ("command", Unknown),
            ("args", Unknown),
            ("workingDir", Unknown),
            ("ports", ContainerPort),
            ("envFrom", Unknown),
            ("env", EnvVar),
            ("resources", Resources),
            ("resizePolicy", Unknown),
            ("restartPolicy", Unknown),
            ("restartPolicyRules", Unknown),
            ("volumeMounts", VolumeMount),
            ("volumeDevices", Unknown),
            ("livenessProbe", Probe),
            ("readinessProbe", Probe),
            ("startupProbe", Probe),
            ("lifecycle", Lifecycle),
            ("terminationMessagePath", Unknown),
            ("terminationMessagePolicy", Unknown),
            ("imagePullPolicy", Unknown),
            ("securityContext", SecurityContext),
            ("stdin", Unknown),
            ("stdinOnce", Unknown),
            ("tty", Unknown),
        ],
        ContainerPort => &[
            ("name", Unknown),
            ("hostPort", Unknown),
            ("containerPort", Unknown),
            ("protocol", Unknown),
            ("hostIP", Unknown),
        ],
        EnvVar => &[
            ("name", Unknown),
            ("value", Unknown),
            ("valueFrom", EnvVarSource),
        ],
        EnvVarSource => &[
            ("fieldRef", Unknown),
            ("resourceFieldRef", Unknown),
            ("configMapKeyRef", Unknown),
            ("secretKeyRef", Unknown),
            ("fileKeyRef", Unknown),
        ],
        VolumeMount => &[
            ("name", Unknown),
            ("readOnly", Unknown),
            ("recursiveReadOnly", Unknown),
            ("mountPath", Unknown),
            ("subPath", Unknown),
            ("mountPropagation", Unknown),
            ("subPathExpr", Unknown),
        ],
        Probe => &[
            ("exec", Exec),
            ("httpGet", HttpGet),
            ("tcpSocket", TcpSocket),
            ("grpc", Grpc),
            ("initialDelaySeconds", Unknown),
            ("timeoutSeconds", Unknown),
            ("periodSeconds", Unknown),
            ("successThreshold", Unknown),
            ("failureThreshold", Unknown),
            ("terminationGracePeriodSeconds", Unknown),
        ],
        HttpGet => &[
            ("path", Unknown),
            ("port", Unknown),
            ("host", Unknown),
            ("scheme", Unknown),
            ("httpHeaders", Unknown),
        ],
        TcpSocket => &[("port", Unknown), ("host", Unknown)],
        Grpc => &[("port", Unknown), ("service", Unknown)],
        Exec => &[("command", Unknown)],
        Lifecycle => &[
            ("postStart", LifecycleHandler),
            ("preStop", LifecycleHandler),
            ("stopSignal", Unknown),
        ],
        LifecycleHandler => &[
            ("exec", Exec),
            ("httpGet", HttpGet),
            ("tcpSocket", TcpSocket),
            ("sleep", Unknown),
        ],
        SecurityContext => &[
            ("capabilities", Capabilities),
            ("privileged", Unknown),
            ("seLinuxOptions", Unknown),
            ("windowsOptions", Unknown),
            ("runAsUser", Unknown),
            ("runAsGroup", Unknown),
            ("runAsNonRoot", Unknown),
            ("readOnlyRootFilesystem", Unknown),
            ("allowPrivilegeEscalation", Unknown),
            ("procMount", Unknown),
            ("seccompProfile", Unknown),
            ("appArmorProfile", Unknown),
        ],
        Capabilities => &[("add", Unknown), ("drop", Unknown)],
        Resources => &[("limits", Map), ("requests", Map), ("claims", Unknown)],
        Map | Unknown => &[],
    }
}

/// A best guess of what a template hands `structToJSON`.
pub fn guess_type(value: &Json) -> GoType {
    match value {
        Json::Object(map) if map.contains_key("containerPort") => GoType::ContainerPort,
        Json::Object(map) if map.contains_key("image") || map.contains_key("resources") => {
            GoType::Container
        }
        _ => GoType::Unknown,
    }
}

pub fn to_string(value: &Json, ty: GoType) -> String {
    let mut out = String::new();
    write(value, ty, &mut out);
    out
}

fn write(value: &Json, ty: GoType, out: &mut String) {
    match value {
        Json::Object(map) => {
            out.push('{');
            let mut first = true;
            let mut put = |key: &str, value: &Json, ty: GoType, out: &mut String| {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&serde_json::to_string(key).unwrap_or_default());
                out.push(':');
                write(value, ty, out);
            };
            let known = fields(ty);
            for (name, field_ty) in known {
                if let Some(v) = map.get(*name) {
                    put(name, v, *field_ty, out);
                }
            }
            let mut rest: Vec<&String> = map
                .keys()
                .filter(|k| !known.iter().any(|(n, _)| n == k))
                .collect();
            rest.sort();
            for key in rest {
                put(key, &map[key], GoType::Unknown, out);
            }
            out.push('}');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, ty, out);
            }
            out.push(']');
        }
        Json::String(text) => out.push_str(&go_json_string(text)),
        other => out.push_str(&other.to_string()),
    }
}

/// Go escapes `<`, `>` and `&` in JSON strings (HTML safety).
pub fn go_json_string(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn struct_fields_in_go_order_and_maps_sorted() {
        let container = json!({"readinessProbe": {"periodSeconds": 2, "httpGet": {"port": 80, "path": "/x"}}, "name": "a", "resources": {"requests": {"memory": "1", "cpu": "2"}}});
        assert_eq!(
            to_string(&container, GoType::Container),
            r#"{"name":"a","resources":{"requests":{"cpu":"2","memory":"1"}},"readinessProbe":{"httpGet":{"path":"/x","port":80},"periodSeconds":2}}"#
        );
    }
}
