//! channelz (gRFC A14) of a live gRPC app: its channels, subchannels,
//! sockets and servers, fetched from the app's admin server
//! (`grpc.channelz.v1.Channelz`) into one [`ChannelzSnapshot`], saved and
//! read back as its proto3 JSON, and turned into the plain rows
//! `output::channelz` prints.
//!
//! The service answers one entity (or one page) per call, so the snapshot
//! is gathered by walking references: every page of top channels and
//! servers, then the channels, subchannels and sockets they name. The walk
//! has one time limit and stops at [`MAX_ENTITIES`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use serde_json::Value as Json;

use super::admin_protos::grpc::channelz::v1 as pb;
use super::admin_protos::mesh::v1::{ChannelzSnapshot, ServerSockets};
use super::live::ReachError;
use pb::channelz_client::ChannelzClient;

/// The most channels, subchannels, sockets and servers read from one app.
pub const MAX_ENTITIES: usize = 10_000;
/// Entities asked for per page (the service may send fewer).
const PAGE_SIZE: i64 = 100;
/// The largest answer accepted for one call.
const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// The most bytes of answers read from one app, all calls together (what
/// is kept, and the references still to follow, are part of them).
pub const MAX_RECEIVED_BYTES: usize = 32 * 1024 * 1024;
/// The proto type of a saved snapshot.
pub const SNAPSHOT_TYPE: &str = "mesh.v1.ChannelzSnapshot";

/// Why channelz could not be read; each prints as one line.
#[derive(Debug, thiserror::Error)]
pub enum ChannelzError {
    #[error(transparent)]
    Reach(#[from] ReachError),
    #[error("{addr} did not answer channelz: {reason}")]
    Call { addr: String, reason: String },
}

/// A snapshot and what the user should know about how complete it is.
#[derive(Debug, Default)]
pub struct Fetched {
    pub snapshot: ChannelzSnapshot,
    pub notes: Vec<String>,
}

/// Reads every channelz entity of `addr` (`HOST:PORT`), within `timeout` overall.
pub fn fetch(addr: &str, timeout: Duration) -> Result<Fetched, ChannelzError> {
    super::live::within(addr, timeout, fetch_async(addr, timeout))
}

async fn fetch_async(addr: &str, timeout: Duration) -> Result<Fetched, ChannelzError> {
    let channel = super::live::connect(addr, timeout).await?;
    let client = ChannelzClient::new(channel).max_decoding_message_size(MAX_MESSAGE_BYTES);
    let mut walk = Walk {
        client,
        addr,
        left: MAX_ENTITIES,
        received: 0,
        gone: 0,
        snapshot: ChannelzSnapshot::default(),
    };
    walk.run().await?;
    let mut notes = Vec::new();
    if walk.received > MAX_RECEIVED_BYTES {
        notes.push(format!(
            "stopped after {} MiB of channelz answers; the rest are not shown",
            MAX_RECEIVED_BYTES / (1024 * 1024)
        ));
    } else if walk.left == 0 {
        notes.push(format!(
            "stopped after {MAX_ENTITIES} channelz entities; the rest are not shown"
        ));
    }
    if walk.gone > 0 {
        notes.push(format!(
            "{} channelz entities closed while being read and are not shown",
            walk.gone
        ));
    }
    let mut snapshot = walk.snapshot;
    sort(&mut snapshot);
    Ok(Fetched { snapshot, notes })
}

struct Walk<'a> {
    client: ChannelzClient<tonic::transport::Channel>,
    addr: &'a str,
    /// Entities that may still be read.
    left: usize,
    /// Bytes of answers read so far.
    received: usize,
    /// Entities referred to that no longer existed when asked for.
    gone: usize,
    snapshot: ChannelzSnapshot,
}

/// The references an entity makes to others.
#[derive(Default)]
struct Pending {
    channels: VecDeque<i64>,
    subchannels: VecDeque<i64>,
    sockets: BTreeSet<i64>,
}

impl Pending {
    fn refer(&mut self, channels: &[pb::ChannelRef], subchannels: &[pb::SubchannelRef]) {
        self.channels.extend(channels.iter().map(|r| r.channel_id));
        self.subchannels
            .extend(subchannels.iter().map(|r| r.subchannel_id));
    }
}

impl Walk<'_> {
    async fn run(&mut self) -> Result<(), ChannelzError> {
        let mut pending = Pending::default();
        self.top_channels(&mut pending).await?;
        self.servers(&mut pending).await?;
        let mut seen_channels: BTreeSet<i64> =
            self.snapshot.channels.iter().map(channel_id).collect();
        let mut seen_subchannels = BTreeSet::new();
        loop {
            if let Some(id) = pending.channels.pop_front() {
                if !seen_channels.insert(id) || !self.take() {
                    continue;
                }
                let request = pb::GetChannelRequest { channel_id: id };
                let answer = self.client.get_channel(request).await;
                if let Some(channel) = self.found(answer)?.and_then(|a| a.channel) {
                    pending.refer(&channel.channel_ref, &channel.subchannel_ref);
                    pending
                        .sockets
                        .extend(channel.socket_ref.iter().map(|r| r.socket_id));
                    self.snapshot.child_channels.push(channel);
                }
            } else if let Some(id) = pending.subchannels.pop_front() {
                if !seen_subchannels.insert(id) || !self.take() {
                    continue;
                }
                let request = pb::GetSubchannelRequest { subchannel_id: id };
                let answer = self.client.get_subchannel(request).await;
                if let Some(subchannel) = self.found(answer)?.and_then(|a| a.subchannel) {
                    pending.refer(&subchannel.channel_ref, &subchannel.subchannel_ref);
                    pending
                        .sockets
                        .extend(subchannel.socket_ref.iter().map(|r| r.socket_id));
                    self.snapshot.subchannels.push(subchannel);
                }
            } else {
                break;
            }
        }
        for id in std::mem::take(&mut pending.sockets) {
            if !self.take() {
                break;
            }
            let request = pb::GetSocketRequest {
                socket_id: id,
                summary: false,
            };
            let answer = self.client.get_socket(request).await;
            if let Some(socket) = self.found(answer)?.and_then(|a| a.socket) {
                self.snapshot.sockets.push(socket);
            }
        }
        Ok(())
    }

    /// Every page of top channels; their references go to `pending`.
    async fn top_channels(&mut self, pending: &mut Pending) -> Result<(), ChannelzError> {
        let mut start = 0;
        loop {
            let request = pb::GetTopChannelsRequest {
                start_channel_id: start,
                max_results: PAGE_SIZE,
            };
            let page = self
                .client
                .get_top_channels(request)
                .await
                .map_err(|s| self.call_error(&s))?
                .into_inner();
            self.received += prost::Message::encoded_len(&page);
            let last = page.channel.iter().map(channel_id).max();
            for channel in page.channel {
                if !self.take() {
                    return Ok(());
                }
                pending.refer(&channel.channel_ref, &channel.subchannel_ref);
                pending
                    .sockets
                    .extend(channel.socket_ref.iter().map(|r| r.socket_id));
                self.snapshot.channels.push(channel);
            }
            // A page that does not move forward would be asked for again forever.
            match last {
                Some(id) if !page.end && id >= start => start = id + 1,
                _ => return Ok(()),
            }
        }
    }

    /// Every page of servers, with their listen sockets and connections.
    async fn servers(&mut self, pending: &mut Pending) -> Result<(), ChannelzError> {
        let mut start = 0;
        let mut ids = Vec::new();
        loop {
            let request = pb::GetServersRequest {
                start_server_id: start,
                max_results: PAGE_SIZE,
            };
            let page = self
                .client
                .get_servers(request)
                .await
                .map_err(|s| self.call_error(&s))?
                .into_inner();
            self.received += prost::Message::encoded_len(&page);
            let last = page.server.iter().map(server_id).max();
            for server in page.server {
                if !self.take() {
                    break;
                }
                pending
                    .sockets
                    .extend(server.listen_socket.iter().map(|r| r.socket_id));
                ids.push(server_id(&server));
                self.snapshot.servers.push(server);
            }
            match last {
                Some(id) if !page.end && id >= start && !self.spent() => start = id + 1,
                _ => break,
            }
        }
        for server in ids {
            if self.spent() {
                break;
            }
            let mut start = 0;
            let mut connections = Vec::new();
            loop {
                let request = pb::GetServerSocketsRequest {
                    server_id: server,
                    start_socket_id: start,
                    max_results: PAGE_SIZE,
                };
                let answer = self.client.get_server_sockets(request).await;
                let Some(page) = self.found(answer)? else {
                    break;
                };
                let last = page.socket_ref.iter().map(|r| r.socket_id).max();
                pending
                    .sockets
                    .extend(page.socket_ref.iter().map(|r| r.socket_id));
                connections.extend(page.socket_ref);
                match last {
                    Some(id) if !page.end && id >= start && !self.spent() => start = id + 1,
                    _ => break,
                }
            }
            if !connections.is_empty() {
                self.snapshot.server_sockets.push(ServerSockets {
                    server_id: server,
                    socket_ref: connections,
                });
            }
        }
        Ok(())
    }

    /// Whether either limit is reached.
    fn spent(&self) -> bool {
        self.left == 0 || self.received > MAX_RECEIVED_BYTES
    }

    /// Counts one more entity read; false when a limit is reached.
    fn take(&mut self) -> bool {
        if self.spent() {
            return false;
        }
        self.left -= 1;
        true
    }

    /// The answer, or `None` when the entity is gone (closed since it was named).
    fn found<T: prost::Message>(
        &mut self,
        answer: Result<tonic::Response<T>, tonic::Status>,
    ) -> Result<Option<T>, ChannelzError> {
        match answer {
            Ok(response) => {
                let answer = response.into_inner();
                self.received += answer.encoded_len();
                Ok(Some(answer))
            }
            Err(status) if status.code() == tonic::Code::NotFound => {
                self.gone += 1;
                Ok(None)
            }
            Err(status) => Err(self.call_error(&status)),
        }
    }

    fn call_error(&self, status: &tonic::Status) -> ChannelzError {
        ChannelzError::Call {
            addr: self.addr.into(),
            reason: match status.code() {
                tonic::Code::Unimplemented => {
                    "the server does not serve channelz (grpc.channelz.v1.Channelz)".into()
                }
                _ => super::live::status_text(status),
            },
        }
    }
}

fn channel_id(channel: &pb::Channel) -> i64 {
    channel.r#ref.as_ref().map_or(0, |r| r.channel_id)
}

fn subchannel_id(subchannel: &pb::Subchannel) -> i64 {
    subchannel.r#ref.as_ref().map_or(0, |r| r.subchannel_id)
}

fn socket_id(socket: &pb::Socket) -> i64 {
    socket.r#ref.as_ref().map_or(0, |r| r.socket_id)
}

fn server_id(server: &pb::Server) -> i64 {
    server.r#ref.as_ref().map_or(0, |r| r.server_id)
}

/// Every list in id order, so that output does not depend on the walk.
fn sort(snapshot: &mut ChannelzSnapshot) {
    snapshot.channels.sort_by_key(channel_id);
    snapshot.child_channels.sort_by_key(channel_id);
    snapshot.subchannels.sort_by_key(subchannel_id);
    snapshot.servers.sort_by_key(server_id);
    snapshot.sockets.sort_by_key(socket_id);
    snapshot.server_sockets.sort_by_key(|s| s.server_id);
}

/// The snapshot as proto3 JSON. `Any` values of types mesh has no
/// descriptor for cannot be written: they are left out, each with a note.
pub fn to_json(snapshot: &ChannelzSnapshot) -> Result<(Json, Vec<String>), String> {
    let mut printable = snapshot.clone();
    let notes = drop_unknown_anys(&mut printable)?;
    let json = super::admin_protos::to_json(&printable, SNAPSHOT_TYPE)?;
    Ok((json, notes))
}

/// A saved snapshot (what `to_json` wrote); errors carry `line:column`.
pub fn from_json(text: &str) -> Result<ChannelzSnapshot, String> {
    let mut snapshot: ChannelzSnapshot = super::admin_protos::from_json(text, SNAPSHOT_TYPE)?;
    sort(&mut snapshot);
    Ok(snapshot)
}

fn drop_unknown_anys(snapshot: &mut ChannelzSnapshot) -> Result<Vec<String>, String> {
    let pool = super::admin_protos::pool()?;
    let mut notes = Vec::new();
    let mut check = |any: &mut Option<prost_types::Any>, socket: i64, what: &str| {
        let Some(value) = any else { return };
        let name = value.type_url.rsplit('/').next().unwrap_or_default();
        if pool.get_message_by_name(name).is_none() {
            notes.push(format!(
                "socket {socket}: the {what} is a {} that mesh cannot write as JSON; left out",
                value.type_url
            ));
            *any = None;
        }
    };
    for socket in &mut snapshot.sockets {
        let id = socket_id(socket);
        for (address, what) in [
            (&mut socket.local, "local address"),
            (&mut socket.remote, "remote address"),
        ] {
            if let Some(pb::Address {
                address: Some(pb::address::Address::OtherAddress(other)),
            }) = address
            {
                check(&mut other.value, id, what);
            }
        }
        if let Some(pb::Security {
            model: Some(pb::security::Model::Other(other)),
        }) = &mut socket.security
        {
            check(&mut other.value, id, "security");
        }
        for option in socket.data.iter_mut().flat_map(|d| d.option.iter_mut()) {
            let what = format!("option {}", option.name);
            check(&mut option.additional, id, &what);
        }
    }
    Ok(notes)
}

// ---- the plain rows that output::channelz prints ----

/// What a channel, subchannel or server counts of its calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calls {
    pub started: i64,
    pub succeeded: i64,
    pub failed: i64,
    /// When the last call started (RFC 3339), or empty.
    pub last_started: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    pub id: i64,
    /// The channels or subchannels that name it, for a child channel.
    pub parents: Vec<String>,
    pub target: String,
    pub state: String,
    pub calls: Calls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubchannelRow {
    pub id: i64,
    /// The channels (or subchannels) that name it: `channel 1`.
    pub parents: Vec<String>,
    pub target: String,
    pub state: String,
    pub calls: Calls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketRow {
    pub id: i64,
    /// What it belongs to: `subchannel 4`, `server 2`, `channel 1`.
    pub owners: Vec<String>,
    pub local: String,
    pub remote: String,
    pub streams_started: i64,
    pub streams_succeeded: i64,
    pub streams_failed: i64,
    pub messages_sent: i64,
    pub messages_received: i64,
    /// The peer's identity on a TLS connection (its SPIFFE ID, other URI or
    /// DNS name, else its subject); empty in plaintext.
    pub tls_peer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerRow {
    pub id: i64,
    /// The addresses its listen sockets are bound to.
    pub listening: Vec<String>,
    pub calls: Calls,
}

/// A snapshot as the tables show it. Listen sockets appear only as their
/// server's addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelzView {
    pub channels: Vec<ChannelRow>,
    pub subchannels: Vec<SubchannelRow>,
    pub sockets: Vec<SocketRow>,
    pub servers: Vec<ServerRow>,
}

impl ChannelzView {
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.servers.is_empty()
    }
}

pub fn view(snapshot: &ChannelzSnapshot) -> ChannelzView {
    // Who names whom: child id → parents, by kind of child.
    let mut channel_parents: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut subchannel_parents: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut socket_owners: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut listen_sockets: BTreeSet<i64> = BTreeSet::new();
    let mut note = |parent: String,
                    channels: &[pb::ChannelRef],
                    subchannels: &[pb::SubchannelRef],
                    sockets: &[pb::SocketRef]| {
        for r in channels {
            channel_parents
                .entry(r.channel_id)
                .or_default()
                .push(parent.clone());
        }
        for r in subchannels {
            subchannel_parents
                .entry(r.subchannel_id)
                .or_default()
                .push(parent.clone());
        }
        for r in sockets {
            socket_owners
                .entry(r.socket_id)
                .or_default()
                .push(parent.clone());
        }
    };
    for channel in snapshot.channels.iter().chain(&snapshot.child_channels) {
        note(
            format!("channel {}", channel_id(channel)),
            &channel.channel_ref,
            &channel.subchannel_ref,
            &channel.socket_ref,
        );
    }
    for subchannel in &snapshot.subchannels {
        note(
            format!("subchannel {}", subchannel_id(subchannel)),
            &subchannel.channel_ref,
            &subchannel.subchannel_ref,
            &subchannel.socket_ref,
        );
    }
    for server in &snapshot.servers {
        listen_sockets.extend(server.listen_socket.iter().map(|r| r.socket_id));
    }
    for connections in &snapshot.server_sockets {
        note(
            format!("server {}", connections.server_id),
            &[],
            &[],
            &connections.socket_ref,
        );
    }
    let sockets_by_id: BTreeMap<i64, &pb::Socket> =
        snapshot.sockets.iter().map(|s| (socket_id(s), s)).collect();

    let channel_row = |channel: &pb::Channel| {
        let data = channel.data.clone().unwrap_or_default();
        let id = channel_id(channel);
        ChannelRow {
            id,
            parents: channel_parents.get(&id).cloned().unwrap_or_default(),
            target: data.target.clone(),
            state: state_name(&data),
            calls: channel_calls(&data),
        }
    };
    let mut channels: Vec<ChannelRow> = snapshot.channels.iter().map(channel_row).collect();
    channels.extend(snapshot.child_channels.iter().map(channel_row));

    let subchannels = snapshot
        .subchannels
        .iter()
        .map(|subchannel| {
            let data = subchannel.data.clone().unwrap_or_default();
            let id = subchannel_id(subchannel);
            SubchannelRow {
                id,
                parents: subchannel_parents.get(&id).cloned().unwrap_or_default(),
                target: data.target.clone(),
                state: state_name(&data),
                calls: channel_calls(&data),
            }
        })
        .collect();

    let sockets = snapshot
        .sockets
        .iter()
        .filter(|s| !listen_sockets.contains(&socket_id(s)))
        .map(|socket| {
            let id = socket_id(socket);
            let data = socket.data.clone().unwrap_or_default();
            SocketRow {
                id,
                owners: socket_owners.get(&id).cloned().unwrap_or_default(),
                local: address(socket.local.as_ref()),
                remote: if socket.remote_name.is_empty() {
                    address(socket.remote.as_ref())
                } else {
                    format!(
                        "{} ({})",
                        address(socket.remote.as_ref()),
                        socket.remote_name
                    )
                },
                streams_started: data.streams_started,
                streams_succeeded: data.streams_succeeded,
                streams_failed: data.streams_failed,
                messages_sent: data.messages_sent,
                messages_received: data.messages_received,
                tls_peer: tls_peer(socket.security.as_ref()),
            }
        })
        .collect();

    let servers = snapshot
        .servers
        .iter()
        .map(|server| {
            let data = server.data.clone().unwrap_or_default();
            ServerRow {
                id: server_id(server),
                listening: server
                    .listen_socket
                    .iter()
                    .map(|r| {
                        sockets_by_id
                            .get(&r.socket_id)
                            .map_or_else(|| r.name.clone(), |s| address(s.local.as_ref()))
                    })
                    .collect(),
                calls: Calls {
                    started: data.calls_started,
                    succeeded: data.calls_succeeded,
                    failed: data.calls_failed,
                    last_started: data
                        .last_call_started_timestamp
                        .as_ref()
                        .map(timestamp)
                        .unwrap_or_default(),
                },
            }
        })
        .collect();
    ChannelzView {
        channels,
        subchannels,
        sockets,
        servers,
    }
}

fn state_name(data: &pb::ChannelData) -> String {
    let value = data.state.map_or(0, |s| s.state);
    pb::channel_connectivity_state::State::try_from(value)
        .map_or_else(|_| value.to_string(), |s| s.as_str_name().to_string())
}

fn channel_calls(data: &pb::ChannelData) -> Calls {
    Calls {
        started: data.calls_started,
        succeeded: data.calls_succeeded,
        failed: data.calls_failed,
        last_started: data
            .last_call_started_timestamp
            .as_ref()
            .map(timestamp)
            .unwrap_or_default(),
    }
}

fn timestamp(time: &prost_types::Timestamp) -> String {
    super::csds::timestamp(&envoy_types::pb::google::protobuf::Timestamp {
        seconds: time.seconds,
        nanos: time.nanos,
    })
}

/// `IP:PORT` (`[IPv6]:PORT`), `unix:PATH`, or the name of another kind.
fn address(address: Option<&pb::Address>) -> String {
    use pb::address::Address;
    match address.and_then(|a| a.address.as_ref()) {
        Some(Address::TcpipAddress(tcp)) => {
            let ip = match tcp.ip_address.len() {
                4 => <[u8; 4]>::try_from(tcp.ip_address.as_slice())
                    .map(|b| std::net::IpAddr::from(b).to_string())
                    .ok(),
                16 => <[u8; 16]>::try_from(tcp.ip_address.as_slice())
                    .map(|b| format!("[{}]", std::net::Ipv6Addr::from(b)))
                    .ok(),
                _ => None,
            };
            match ip {
                Some(ip) => format!("{ip}:{}", tcp.port),
                None => format!("?:{}", tcp.port),
            }
        }
        Some(Address::UdsAddress(uds)) => format!("unix:{}", uds.filename),
        Some(Address::OtherAddress(other)) => other.name.clone(),
        None => String::new(),
    }
}

/// Who the peer is on a TLS connection: the first URI SAN (an Istio
/// workload's SPIFFE ID), else the first DNS SAN, else the subject.
fn tls_peer(security: Option<&pb::Security>) -> String {
    use pb::security::Model;
    match security.and_then(|s| s.model.as_ref()) {
        Some(Model::Tls(tls)) if tls.remote_certificate.is_empty() => "TLS, no certificate".into(),
        Some(Model::Tls(tls)) => certificate_identity(&tls.remote_certificate)
            .unwrap_or_else(|| "TLS, unreadable certificate".into()),
        Some(Model::Other(other)) => other.name.clone(),
        None => String::new(),
    }
}

/// C-core sends the certificate as PEM text, the proto says DER: read both.
fn certificate_identity(bytes: &[u8]) -> Option<String> {
    use x509_parser::extensions::GeneralName;
    let pem;
    let der = if bytes.starts_with(b"-----BEGIN") {
        pem = x509_parser::pem::Pem::iter_from_buffer(bytes)
            .filter_map(Result::ok)
            .find(|p| p.label == "CERTIFICATE")?;
        pem.contents.as_slice()
    } else {
        bytes
    };
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    let names = certificate
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| san.value.general_names.clone())
        .unwrap_or_default();
    let uri = names.iter().find_map(|n| match n {
        GeneralName::URI(uri) => Some(uri.to_string()),
        _ => None,
    });
    let dns = names.iter().find_map(|n| match n {
        GeneralName::DNSName(dns) => Some(dns.to_string()),
        _ => None,
    });
    uri.or(dns)
        .or_else(|| Some(certificate.subject().to_string()))
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(ip: &[u8], port: i32) -> Option<pb::Address> {
        Some(pb::Address {
            address: Some(pb::address::Address::TcpipAddress(
                pb::address::TcpIpAddress {
                    ip_address: ip.to_vec(),
                    port,
                },
            )),
        })
    }

    #[test]
    fn addresses_as_a_user_writes_them() {
        assert_eq!(
            address(tcp(&[127, 0, 0, 1], 7070).as_ref()),
            "127.0.0.1:7070"
        );
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(address(tcp(&v6, 80).as_ref()), "[::1]:80");
        assert_eq!(address(tcp(&[1, 2], 80).as_ref()), "?:80");
        assert_eq!(address(None), "");
    }

    #[test]
    fn rows_name_their_parents_and_servers_their_listen_addresses() {
        let channel = pb::Channel {
            r#ref: Some(pb::ChannelRef {
                channel_id: 1,
                name: String::new(),
            }),
            data: Some(pb::ChannelData {
                target: "dns:///a:1".into(),
                state: Some(pb::ChannelConnectivityState {
                    state: pb::channel_connectivity_state::State::Ready as i32,
                }),
                calls_started: 5,
                calls_succeeded: 3,
                calls_failed: 2,
                ..Default::default()
            }),
            subchannel_ref: vec![pb::SubchannelRef {
                subchannel_id: 4,
                name: String::new(),
            }],
            ..Default::default()
        };
        let subchannel = pb::Subchannel {
            r#ref: Some(pb::SubchannelRef {
                subchannel_id: 4,
                name: String::new(),
            }),
            socket_ref: vec![pb::SocketRef {
                socket_id: 9,
                name: String::new(),
            }],
            ..Default::default()
        };
        let socket = |id, port| pb::Socket {
            r#ref: Some(pb::SocketRef {
                socket_id: id,
                name: String::new(),
            }),
            local: tcp(&[127, 0, 0, 1], port),
            ..Default::default()
        };
        let server = pb::Server {
            r#ref: Some(pb::ServerRef {
                server_id: 2,
                name: String::new(),
            }),
            listen_socket: vec![pb::SocketRef {
                socket_id: 3,
                name: String::new(),
            }],
            ..Default::default()
        };
        let snapshot = ChannelzSnapshot {
            channels: vec![channel],
            subchannels: vec![subchannel],
            servers: vec![server],
            sockets: vec![socket(3, 7070), socket(9, 5555), socket(11, 7070)],
            server_sockets: vec![ServerSockets {
                server_id: 2,
                socket_ref: vec![pb::SocketRef {
                    socket_id: 11,
                    name: String::new(),
                }],
            }],
            ..Default::default()
        };
        let view = view(&snapshot);
        assert_eq!(view.channels[0].state, "READY");
        assert_eq!(view.channels[0].calls.failed, 2);
        assert_eq!(view.subchannels[0].parents, ["channel 1"]);
        assert_eq!(view.servers[0].listening, ["127.0.0.1:7070"]);
        let owners: Vec<(i64, Vec<String>)> = view
            .sockets
            .iter()
            .map(|s| (s.id, s.owners.clone()))
            .collect();
        assert_eq!(
            owners,
            [
                (9, vec!["subchannel 4".to_string()]),
                (11, vec!["server 2".to_string()])
            ]
        );
    }

    #[test]
    fn snapshots_read_back_from_their_json_in_either_casing() {
        let snapshot = ChannelzSnapshot {
            channels: vec![pb::Channel {
                r#ref: Some(pb::ChannelRef {
                    channel_id: 7,
                    name: String::new(),
                }),
                data: Some(pb::ChannelData {
                    calls_started: 12,
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let (json, notes) = to_json(&snapshot).unwrap();
        assert!(notes.is_empty());
        assert_eq!(json["channels"][0]["data"]["callsStarted"], "12");
        assert_eq!(from_json(&json.to_string()).unwrap(), snapshot);
        let snake =
            r#"{"channels": [{"ref": {"channel_id": "7"}, "data": {"calls_started": 12}}]}"#;
        assert_eq!(from_json(snake).unwrap(), snapshot);
    }

    #[test]
    fn anys_of_unknown_types_are_left_out_with_a_note() {
        let snapshot = ChannelzSnapshot {
            sockets: vec![pb::Socket {
                r#ref: Some(pb::SocketRef {
                    socket_id: 5,
                    name: String::new(),
                }),
                security: Some(pb::Security {
                    model: Some(pb::security::Model::Other(pb::security::OtherSecurity {
                        name: "alts".into(),
                        value: Some(prost_types::Any {
                            type_url: "type.googleapis.com/grpc.gcp.AltsContext".into(),
                            value: vec![1, 2, 3],
                        }),
                    })),
                }),
                ..Default::default()
            }],
            ..Default::default()
        };
        let (json, notes) = to_json(&snapshot).unwrap();
        assert_eq!(json["sockets"][0]["security"]["other"]["name"], "alts");
        assert!(json["sockets"][0]["security"]["other"]
            .get("value")
            .is_none());
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("grpc.gcp.AltsContext"), "{notes:?}");
    }
}
