//! Table facts read from a packed resource with the typed envoy-types
//! protos, without its proto3 JSON (see [`super::packed`]).
//!
//! Each function answers `None` when it cannot be sure to give what the
//! JSON would ([`super::dump::facts`]): the resource might not convert
//! (then the JSON is only its `@type`), or a filter is of a type read here
//! only through its JSON. The caller then reads the JSON.

use envoy_types::pb::envoy::config::cluster::v3::{
    cluster::{ClusterDiscoveryType, DiscoveryType},
    Cluster,
};
use envoy_types::pb::envoy::config::core::v3::{address, socket_address, Address};
use envoy_types::pb::envoy::config::endpoint::v3::{lb_endpoint, ClusterLoadAssignment};
use envoy_types::pb::envoy::config::listener::v3::{filter, Listener};
use envoy_types::pb::envoy::config::route::v3::RouteConfiguration;
use envoy_types::pb::envoy::extensions::filters::network::http_connection_manager::v3::{
    http_connection_manager::RouteSpecifier, HttpConnectionManager,
};
use envoy_types::pb::google::protobuf::Any;
use prost::encoding::{decode_key, decode_varint, WireType};
use prost::{Message, Name};
use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};

/// Listener (ADDRESS, DESTINATION).
pub fn listener(any: &Any) -> Option<(String, String)> {
    let listener: Listener = decode(any)?;
    let address = listener
        .address
        .as_ref()
        .and_then(socket)
        .unwrap_or_else(|| "-".into());
    let mut managers = Vec::new();
    if let Some(api) = listener
        .api_listener
        .as_ref()
        .and_then(|a| a.api_listener.as_ref())
    {
        managers.push(api);
    }
    for chain in &listener.filter_chains {
        for filter in &chain.filters {
            if let Some(filter::ConfigType::TypedConfig(typed)) = &filter.config_type {
                managers.push(typed);
            }
        }
    }
    let mut out = Vec::new();
    for manager in managers {
        match message_name(&manager.type_url)? {
            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" => {
                let manager = HttpConnectionManager::decode(manager.value.as_slice()).ok()?;
                match manager.route_specifier {
                    Some(RouteSpecifier::Rds(rds)) => {
                        out.push(format!("Route: {}", rds.route_config_name));
                    }
                    Some(RouteSpecifier::RouteConfig(route)) => {
                        out.push(format!("Inline Route: {}", route.name));
                    }
                    _ => {}
                }
            }
            // Other filters (TcpProxy's `cluster`…) are read from their JSON,
            // which also tells whether their type is known at all.
            _ => return None,
        }
    }
    let destination = if out.is_empty() {
        "-".into()
    } else {
        out.join("; ")
    };
    Some((address, destination))
}

/// Route (VIRTUAL HOSTS, DOMAINS).
pub fn route(any: &Any) -> Option<(usize, String)> {
    let route: RouteConfiguration = decode(any)?;
    let domains: Vec<String> = route
        .virtual_hosts
        .iter()
        .flat_map(|h| h.domains.iter().cloned())
        .collect();
    Some((
        route.virtual_hosts.len(),
        super::dump::domains_cell(domains),
    ))
}

/// Cluster TYPE.
pub fn cluster_type(any: &Any) -> Option<String> {
    let cluster: Cluster = decode(any)?;
    Some(match cluster.cluster_discovery_type {
        // proto3 JSON writes unknown enum values as numbers.
        Some(ClusterDiscoveryType::Type(t)) => DiscoveryType::try_from(t)
            .map_or_else(|_| t.to_string(), |t| t.as_str_name().to_string()),
        Some(ClusterDiscoveryType::ClusterType(_)) => "CUSTOM".into(),
        None => "STATIC".into(),
    })
}

/// The `ip:port` of every endpoint.
pub fn endpoints(any: &Any) -> Option<Vec<String>> {
    let assignment: ClusterLoadAssignment = decode(any)?;
    let mut out = Vec::new();
    for locality in &assignment.endpoints {
        for lb in &locality.lb_endpoints {
            if let Some(lb_endpoint::HostIdentifier::Endpoint(endpoint)) = &lb.host_identifier {
                out.extend(endpoint.address.as_ref().and_then(socket));
            }
        }
    }
    Some(out)
}

/// `ip:port` as the JSON reads it: a port set to 0 is written, a named
/// port is not.
fn socket(address: &Address) -> Option<String> {
    let Some(address::Address::SocketAddress(socket)) = &address.address else {
        return None;
    };
    let port = match socket.port_specifier {
        Some(socket_address::PortSpecifier::PortValue(port)) => port.to_string(),
        _ => String::new(),
    };
    Some(format!("{}:{port}", socket.address))
}

/// The typed message, if the `Any` holds one (its bytes would decode as
/// another type too) and its JSON would be whole.
fn decode<M: Message + Name + Default>(any: &Any) -> Option<M> {
    if message_name(&any.type_url) != Some(M::full_name().as_str()) || !converts(any) {
        return None;
    }
    M::decode(any.value.as_slice()).ok()
}

/// `type.googleapis.com/NAME` → NAME, as prost-reflect reads it.
fn message_name(type_url: &str) -> Option<&str> {
    type_url.rsplit_once('/').map(|(_, name)| name)
}

/// Nesting beyond this is left to the JSON (prost stops at 100).
const MAX_DEPTH: u32 = 32;

/// Whether prost-reflect surely turns `any` into JSON, checked on the wire
/// without building anything: known types only (nested `Any`s included),
/// well-formed, valid UTF-8, timestamps and durations in range, finite
/// `Value` numbers. Anything unusual answers `false`, which only costs time.
pub fn converts(any: &Any) -> bool {
    let Ok(pool) = crate::xds::json::pool() else {
        return false;
    };
    clean_any(pool, &any.type_url, &any.value, 0)
}

fn clean_any(pool: &DescriptorPool, type_url: &str, value: &[u8], depth: u32) -> bool {
    message_name(type_url)
        .and_then(|name| pool.get_message_by_name(name))
        .is_some_and(|message| clean(pool, &message, value, depth + 1))
}

fn clean(pool: &DescriptorPool, message: &MessageDescriptor, mut buf: &[u8], depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match message.full_name() {
        "google.protobuf.Any" => {
            return any_parts(buf).is_some_and(|(url, value)| clean_any(pool, &url, value, depth));
        }
        // prost-reflect's limits (0001-01-01 to 9999-12-31, ±10,000 years).
        "google.protobuf.Timestamp" => {
            return seconds_nanos(buf).is_some_and(|(s, n)| {
                (-62_135_596_800..=253_402_300_799).contains(&s) && (0..1_000_000_000).contains(&n)
            });
        }
        "google.protobuf.Duration" => {
            return seconds_nanos(buf).is_some_and(|(s, n)| {
                s.unsigned_abs() <= 315_576_000_000 && n.unsigned_abs() < 1_000_000_000
            });
        }
        "google.protobuf.FieldMask" => return false,
        _ => {}
    }
    let is_value = message.full_name() == "google.protobuf.Value";
    while !buf.is_empty() {
        let Ok((number, wire)) = decode_key(&mut buf) else {
            return false;
        };
        let field = message.get_field(number);
        let kind = field.as_ref().map(|f| f.kind());
        match wire {
            WireType::Varint | WireType::SixtyFourBit | WireType::ThirtyTwoBit => {
                if kind.as_ref().is_some_and(|k| wire_type(k) != wire) {
                    return false;
                }
                let Some(bits) = scalar(&mut buf, wire) else {
                    return false;
                };
                // google.protobuf.Value's number_value.
                if is_value && number == 2 && !f64::from_bits(bits).is_finite() {
                    return false;
                }
            }
            WireType::LengthDelimited => {
                let Some(body) = length_delimited(&mut buf) else {
                    return false;
                };
                let ok = match &kind {
                    None | Some(Kind::Bytes) => true,
                    Some(Kind::String) => std::str::from_utf8(body).is_ok(),
                    Some(Kind::Message(inner)) => clean(pool, inner, body, depth + 1),
                    // Packed repeated scalars.
                    Some(kind) if field.as_ref().is_some_and(|f| f.is_list()) => {
                        packed(body, wire_type(kind))
                    }
                    Some(_) => false,
                };
                if !ok {
                    return false;
                }
            }
            WireType::StartGroup | WireType::EndGroup => return false,
        }
    }
    true
}

fn wire_type(kind: &Kind) -> WireType {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => WireType::SixtyFourBit,
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => WireType::ThirtyTwoBit,
        Kind::String | Kind::Bytes | Kind::Message(_) => WireType::LengthDelimited,
        _ => WireType::Varint,
    }
}

/// One scalar's bits (a varint, or little-endian fixed bytes).
fn scalar(buf: &mut &[u8], wire: WireType) -> Option<u64> {
    let size = match wire {
        WireType::Varint => return decode_varint(buf).ok(),
        WireType::SixtyFourBit => 8,
        WireType::ThirtyTwoBit => 4,
        _ => return None,
    };
    if buf.len() < size {
        return None;
    }
    let (bytes, rest) = buf.split_at(size);
    *buf = rest;
    let mut word = [0u8; 8];
    word[..size].copy_from_slice(bytes);
    Some(u64::from_le_bytes(word))
}

fn length_delimited<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = usize::try_from(decode_varint(buf).ok()?).ok()?;
    if len > buf.len() {
        return None;
    }
    let (body, rest) = buf.split_at(len);
    *buf = rest;
    Some(body)
}

fn packed(mut body: &[u8], wire: WireType) -> bool {
    while !body.is_empty() {
        if scalar(&mut body, wire).is_none() {
            return false;
        }
    }
    true
}

/// An `Any`'s type URL and value; the last of each wins, as in prost.
fn any_parts(mut buf: &[u8]) -> Option<(String, &[u8])> {
    let (mut url, mut value): (&[u8], &[u8]) = (&[], &[]);
    while !buf.is_empty() {
        let (number, wire) = decode_key(&mut buf).ok()?;
        match (number, wire) {
            (1, WireType::LengthDelimited) => url = length_delimited(&mut buf)?,
            (2, WireType::LengthDelimited) => value = length_delimited(&mut buf)?,
            (1 | 2, _) => return None,
            (_, WireType::LengthDelimited) => {
                length_delimited(&mut buf)?;
            }
            (_, wire) => {
                scalar(&mut buf, wire)?;
            }
        }
    }
    Some((std::str::from_utf8(url).ok()?.to_string(), value))
}

/// A Timestamp's or Duration's seconds and nanos.
fn seconds_nanos(mut buf: &[u8]) -> Option<(i64, i32)> {
    let (mut seconds, mut nanos) = (0i64, 0i32);
    while !buf.is_empty() {
        let (number, wire) = decode_key(&mut buf).ok()?;
        match (number, wire) {
            // Varints carry int64/int32 as two's complement, as prost reads them.
            (1, WireType::Varint) => seconds = decode_varint(&mut buf).ok()? as i64,
            (2, WireType::Varint) => nanos = decode_varint(&mut buf).ok()? as i32,
            (1 | 2, _) => return None,
            (_, WireType::LengthDelimited) => {
                length_delimited(&mut buf)?;
            }
            (_, wire) => {
                scalar(&mut buf, wire)?;
            }
        }
    }
    Some((seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use envoy_types::pb::envoy::config::cluster::v3::cluster::DiscoveryType;
    use envoy_types::pb::google::protobuf::Duration;

    fn pack<M: prost::Name>(message: &M) -> Any {
        Any {
            type_url: M::type_url(),
            value: message.encode_to_vec(),
        }
    }

    #[test]
    fn facts_only_when_the_json_would_be_whole() {
        let cluster = Cluster {
            name: "c".into(),
            cluster_discovery_type: Some(ClusterDiscoveryType::Type(DiscoveryType::Eds as i32)),
            connect_timeout: Some(Duration {
                seconds: 5,
                nanos: 0,
            }),
            ..Default::default()
        };
        assert_eq!(cluster_type(&pack(&cluster)).as_deref(), Some("EDS"));
        // Out of prost-reflect's range: the JSON is only the type URL.
        let far = Cluster {
            connect_timeout: Some(Duration {
                seconds: i64::MAX,
                nanos: 0,
            }),
            ..cluster.clone()
        };
        assert!(crate::xds::json::any_to_json(&pack(&far)).is_err());
        assert_eq!(cluster_type(&pack(&far)), None);
        let unknown = Any {
            type_url: "type.googleapis.com/no.such.Type".into(),
            value: Vec::new(),
        };
        assert!(!converts(&unknown));
        // A cluster where a listener should be: its JSON has no listener fields.
        assert_eq!(listener(&pack(&cluster)), None);
    }
}
