//! TLS contexts naming the bootstrap's certificate provider (spec §4.4):
//! the deprecated fields, and from Istio 1.29 the current ones too
//! ([`TlsFields`]), as istiod sends them.
#![allow(deprecated)] // the deprecated fields are sent on purpose, for older gRPC

use envoy_types::pb::envoy::config::core::v3::{transport_socket, TransportSocket};
use envoy_types::pb::envoy::extensions::transport_sockets::tls::v3::{
    common_tls_context::{
        CertificateProviderInstance, CombinedCertificateValidationContext, ValidationContextType,
    },
    CertificateProviderPluginInstance, CertificateValidationContext, CommonTlsContext,
    DownstreamTlsContext, UpstreamTlsContext,
};
use envoy_types::pb::envoy::r#type::matcher::v3::{string_matcher::MatchPattern, StringMatcher};
use envoy_types::pb::google::protobuf::BoolValue;

use super::json::pack;
use crate::semantics::istiod_release::TlsFields;

/// The certificate provider instance the bootstrap declares (§6).
pub const PROVIDER_INSTANCE: &str = "default";
const CERTIFICATE_NAME: &str = "default";
const ROOT_CERTIFICATE_NAME: &str = "ROOTCA";
pub const TRANSPORT_SOCKET_NAME: &str = "envoy.transport_sockets.tls";

/// `buildCommonTLSContext(sans)`: SANs only when given (servers get none).
pub fn common_tls_context(sans: &[String], fields: TlsFields) -> CommonTlsContext {
    let current = fields == TlsFields::Both;
    let instance = |name: &str| CertificateProviderPluginInstance {
        instance_name: PROVIDER_INSTANCE.into(),
        certificate_name: name.into(),
    };
    let legacy = |name: &str| CertificateProviderInstance {
        instance_name: PROVIDER_INSTANCE.into(),
        certificate_name: name.into(),
    };
    CommonTlsContext {
        tls_certificate_provider_instance: current.then(|| instance(CERTIFICATE_NAME)),
        tls_certificate_certificate_provider_instance: Some(legacy(CERTIFICATE_NAME)),
        validation_context_type: Some(ValidationContextType::CombinedValidationContext(
            CombinedCertificateValidationContext {
                default_validation_context: Some(CertificateValidationContext {
                    match_subject_alt_names: sans
                        .iter()
                        .map(|san| StringMatcher {
                            match_pattern: Some(MatchPattern::Exact(san.clone())),
                            ..Default::default()
                        })
                        .collect(),
                    ca_certificate_provider_instance: current
                        .then(|| instance(ROOT_CERTIFICATE_NAME)),
                    ..Default::default()
                }),
                validation_context_certificate_provider_instance: Some(legacy(
                    ROOT_CERTIFICATE_NAME,
                )),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// Client side of ISTIO_MUTUAL: the server's SANs, no SNI.
pub fn upstream_transport_socket(sans: &[String], fields: TlsFields) -> TransportSocket {
    let context = UpstreamTlsContext {
        common_tls_context: Some(common_tls_context(sans, fields)),
        ..Default::default()
    };
    TransportSocket {
        name: TRANSPORT_SOCKET_NAME.into(),
        config_type: Some(transport_socket::ConfigType::TypedConfig(pack(&context))),
    }
}

/// Server side of STRICT mTLS: client certificates required, no SANs.
pub fn downstream_transport_socket(fields: TlsFields) -> TransportSocket {
    let context = DownstreamTlsContext {
        common_tls_context: Some(common_tls_context(&[], fields)),
        require_client_certificate: Some(BoolValue { value: true }),
        ..Default::default()
    };
    TransportSocket {
        name: TRANSPORT_SOCKET_NAME.into(),
        config_type: Some(transport_socket::ConfigType::TypedConfig(pack(&context))),
    }
}
