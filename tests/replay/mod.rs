//! A Kubernetes API server on 127.0.0.1 that replays recorded responses
//! (testdata/kube/replay: one file per request path, `/` written as `_`,
//! `@TOKEN` for a later list page) and serves pod port-forwards over
//! WebSocket (the `v4.channel.k8s.io` framing kubelet speaks) by relaying
//! to a local backend, and `cat FILE` through a pod's exec from files it is
//! given. Shared by the `--kube` and `proxy-config POD` tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const TOKEN: &str = "replay-token";

/// What a pod port-forward reaches.
#[derive(Clone)]
pub enum Backend {
    /// Relay the pod's port to this local address.
    Relay(SocketAddr),
    /// Nothing listens on the port in the pod: kubelet's error, then close.
    Refused,
    /// Relay each pod named here to its own address; other pods refuse.
    ByPod(Arc<Vec<(String, SocketAddr)>>),
}

impl Backend {
    /// What the port-forward to the pod of `path` reaches: `None` refuses.
    fn address(&self, path: &str) -> Option<SocketAddr> {
        match self {
            Backend::Relay(address) => Some(*address),
            Backend::Refused => None,
            Backend::ByPod(pods) => {
                let pod = path.trim_end_matches("/portforward").rsplit('/').next()?;
                pods.iter().find(|(name, _)| name == pod).map(|(_, a)| *a)
            }
        }
    }
}

/// What `cat PATH` run in a pod's container prints: the pod, the path, and
/// the file's bytes, or what `cat` says on stderr when it fails.
pub type PodFiles = Arc<Vec<(String, String, Result<Vec<u8>, String>)>>;

/// A replaying API server; records the request targets it was asked for.
pub struct Replay {
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    /// `forbidden`: request paths answered 403, as RBAC would.
    pub fn start(forbidden: &'static [&'static str]) -> Replay {
        Replay::serve(forbidden, None, None)
    }

    /// Also serves port-forwards to any pod, reaching `backend`.
    pub fn forwarding(backend: Backend) -> Replay {
        Replay::serve(&[], Some(backend), None)
    }

    /// Port-forwards as [`Replay::forwarding`], and `cat` through exec
    /// answered from `files` (any other file: no such file).
    pub fn with_files(backend: Backend, files: PodFiles) -> Replay {
        Replay::serve(&[], Some(backend), Some(files))
    }

    fn serve(
        forbidden: &'static [&'static str],
        backend: Option<Backend>,
        files: Option<PodFiles>,
    ) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                let backend = backend.clone();
                let files = files.clone();
                std::thread::spawn(move || serve(stream, &seen, forbidden, backend, files));
            }
        });
        Replay { port, requests }
    }

    /// The request targets, `?&` (kube's way of starting a query) as `?`.
    pub fn requests(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        requests.iter().map(|r| r.replace("?&", "?")).collect()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn serve(
    stream: TcpStream,
    seen: &Mutex<Vec<String>>,
    forbidden: &[&str],
    backend: Option<Backend>,
    files: Option<PodFiles>,
) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let target = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_string();
        let mut authorised = false;
        let mut length = 0usize;
        let mut websocket_key = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if lower == format!("authorization: bearer {TOKEN}") {
                authorised = true;
            }
            if let Some(value) = lower.strip_prefix("content-length: ") {
                length = value.parse().unwrap_or(0);
            }
            if lower.starts_with("sec-websocket-key:") {
                websocket_key = header.split_once(':').map(|(_, v)| v.trim().to_string());
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        seen.lock().unwrap().push(target.clone());
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        if let (true, Some(key), Some(files)) = (
            authorised && path.ends_with("/exec"),
            &websocket_key,
            &files,
        ) {
            let command: Vec<String> = query
                .split('&')
                .filter_map(|p| p.strip_prefix("command="))
                .map(percent_decoded)
                .collect();
            let pod = path
                .trim_end_matches("/exec")
                .rsplit('/')
                .next()
                .unwrap_or("");
            let answer = match command.as_slice() {
                [cat, file] if cat == "cat" => files
                    .iter()
                    .find(|(p, f, _)| p == pod && f == file)
                    .map(|(_, _, answer)| answer.clone())
                    .unwrap_or_else(|| Err(format!("cat: {file}: No such file or directory"))),
                _ => Err(format!("replay runs only `cat FILE`, not {command:?}")),
            };
            if stream.write_all(switch(key).as_bytes()).is_ok() {
                exec(stream, answer);
            }
            return;
        }
        if let (true, Some(key), Some(backend)) = (
            authorised && path.ends_with("/portforward"),
            &websocket_key,
            &backend,
        ) {
            let port = query
                .split('&')
                .find_map(|p| p.strip_prefix("ports="))
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            // The client waits for the switch before it sends a frame, so
            // nothing is left in the reader's buffer.
            if stream.write_all(switch(key).as_bytes()).is_ok() {
                forward(stream, port, backend.address(path));
            }
            return;
        }
        let token = query
            .split('&')
            .find_map(|p| p.strip_prefix("continue="))
            .map(|t| format!("@{t}"))
            .unwrap_or_default();
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/kube/replay")
            .join(format!(
                "{}{token}.json",
                path.trim_start_matches('/').replace('/', "_")
            ));
        let (status, body) = if !authorised {
            (401, status_body(401, "Unauthorized"))
        } else if forbidden.contains(&path) {
            (
                403,
                status_body(403, "forbidden: User \"ci\" cannot list resource"),
            )
        } else {
            match std::fs::read_to_string(&file) {
                Ok(text) => (200, text),
                Err(_) => (
                    404,
                    status_body(404, "the server could not find the requested resource"),
                ),
            }
        };
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "Not Found",
        };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// The answer upgrading a request to kubelet's `v4.channel.k8s.io` WebSocket.
fn switch(key: &str) -> String {
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n"
    )
}

/// `%2F` and the like, as kube's query encoding writes them.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// kubelet's side of one exec: stdout (channel 1) or stderr (2), then the
/// command's Status (3), as `cat` ends.
fn exec(stream: TcpStream, answer: Result<Vec<u8>, String>) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::protocol::Role;
    use tokio_tungstenite::tungstenite::Message;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        stream.set_nonblocking(true).unwrap();
        let stream = tokio::net::TcpStream::from_std(stream).unwrap();
        let mut socket =
            tokio_tungstenite::WebSocketStream::from_raw_socket(stream, Role::Server, None).await;
        let (channel, bytes, status) = match answer {
            Ok(bytes) => (1u8, bytes, r#"{"metadata":{},"status":"Success"}"#.to_string()),
            Err(said) => (
                2u8,
                format!("{said}\n").into_bytes(),
                r#"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [cat], exit code 1","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"1"}]}}"#.to_string(),
            ),
        };
        let mut frame = vec![channel];
        frame.extend_from_slice(&bytes);
        let mut status_frame = vec![3u8];
        status_frame.extend_from_slice(status.as_bytes());
        for message in [frame, status_frame] {
            if socket.send(Message::binary(message)).await.is_err() {
                return;
            }
        }
        let _ = socket.send(Message::Close(None)).await;
        while let Some(Ok(message)) = socket.next().await {
            if message.is_close() {
                break;
            }
        }
    });
}

/// kubelet's side of one port-forward: channel 0 carries the data and
/// channel 1 the errors, each opened by a frame holding the port.
fn forward(stream: TcpStream, port: u16, backend: Option<SocketAddr>) {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::protocol::Role;
    use tokio_tungstenite::tungstenite::Message;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        stream.set_nonblocking(true).unwrap();
        let stream = tokio::net::TcpStream::from_std(stream).unwrap();
        let socket =
            tokio_tungstenite::WebSocketStream::from_raw_socket(stream, Role::Server, None).await;
        let (mut to_client, mut from_client) = socket.split();
        let [low, high] = port.to_le_bytes();
        for channel in [0u8, 1] {
            if to_client
                .send(Message::binary(vec![channel, low, high]))
                .await
                .is_err()
            {
                return;
            }
        }
        let address = match backend {
            Some(address) => address,
            None => {
                let mut error = vec![1u8];
                error.extend_from_slice(format!(
                    "error forwarding port {port} to pod 0c1d86909055, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-1\": failed to connect to localhost:{port} inside namespace \"0c1d86909055\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
                ).as_bytes());
                let _ = to_client.send(Message::binary(error)).await;
                let _ = to_client.send(Message::Close(None)).await;
                // The closing handshake: the client answers Close.
                while let Some(Ok(message)) = from_client.next().await {
                    if message.is_close() {
                        break;
                    }
                }
                return;
            }
        };
        let Ok(pod) = tokio::net::TcpStream::connect(address).await else {
            return;
        };
        let (mut pod_reader, mut pod_writer) = pod.into_split();
        let upstream = async {
            while let Some(Ok(message)) = from_client.next().await {
                match message {
                    Message::Close(_) => break,
                    Message::Binary(bytes) if bytes.first() == Some(&0)
                        && pod_writer.write_all(&bytes[1..]).await.is_err() =>
                    {
                        break
                    }
                    _ => {}
                }
            }
            let _ = pod_writer.shutdown().await;
        };
        let downstream = async {
            let mut buffer = vec![0u8; 16 * 1024];
            loop {
                match pod_reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => {
                        let mut frame = Vec::with_capacity(read + 1);
                        frame.push(0);
                        frame.extend_from_slice(&buffer[..read]);
                        if to_client.send(Message::binary(frame)).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to_client.send(Message::Close(None)).await;
        };
        tokio::join!(upstream, downstream);
    });
}

pub fn status_body(code: u16, message: &str) -> String {
    format!(
        r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"{}","reason":"{}","code":{code}}}"#,
        message.replace('"', "\\\""),
        match code {
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "NotFound",
        }
    )
}

/// A kubeconfig whose current context points at `server`, namespace
/// echo-grpc; context `other` has namespace shop.
pub fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: replay\n  cluster:\n    server: {server}\n\
             users:\n- name: ci\n  user:\n    token: {TOKEN}\n\
             contexts:\n- name: replay\n  context:\n    cluster: replay\n    user: ci\n    namespace: echo-grpc\n\
             - name: other\n  context:\n    cluster: replay\n    user: ci\n    namespace: shop\n\
             current-context: replay\n"
        ),
    )
    .unwrap();
    path
}

/// Runs `mesh` with `--kubeconfig kubeconfig` (and no KUBECONFIG): exit
/// code, stdout, stderr.
pub fn mesh(args: &[&str], kubeconfig: &Path) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mesh"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
