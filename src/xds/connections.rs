//! The connections of `mesh xds serve`: accepted up to `--max-connections`,
//! each served over HTTP/2 with at most [`STREAMS_PER_CONNECTION`] streams,
//! and closed (GOAWAY) once it has had no open stream for `--idle-timeout`.
//!
//! tonic's own server has no idle timeout and no connection cap, so the
//! accept loop is ours; the generated ADS service is served as it is. A
//! stream is counted open by the service while it runs (`Connection::open_stream`),
//! so an ADS stream, however quiet, keeps its connection.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tonic::codegen::Service;

/// HTTP/2 streams one connection may have open at once (its
/// `SETTINGS_MAX_CONCURRENT_STREAMS`): a gRPC client opens one ADS stream.
/// `mesh xds serve --help` says 100.
pub const STREAMS_PER_CONNECTION: u32 = 100;

/// How long a connection closed for idleness has to finish its GOAWAY
/// before it is dropped: a peer that never answers (or never sent the
/// HTTP/2 preface) must not keep it.
const GOAWAY_GRACE: Duration = Duration::from_secs(2);

/// After an accept error (such as too many open files), the wait before
/// the next accept, so that the loop does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// One client connection, as each of its requests sees it.
pub struct Connection {
    pub peer: SocketAddr,
    /// Streams open now; the connection's idle clock runs while it is 0.
    streams: watch::Sender<usize>,
}

impl Connection {
    fn new(peer: SocketAddr) -> Connection {
        Connection {
            peer,
            streams: watch::Sender::new(0),
        }
    }

    /// Counts a stream as open until the returned guard is dropped.
    pub fn open_stream(self: &Arc<Self>) -> OpenStream {
        self.streams.send_modify(|open| *open += 1);
        OpenStream(Arc::clone(self))
    }
}

/// A stream counted open on its connection; dropping it closes it.
pub struct OpenStream(Arc<Connection>);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.streams.send_modify(|open| *open -= 1);
    }
}

/// The caps of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub idle_timeout: Duration,
}

/// What `serve` needs of the gRPC service it serves: tonic's routes,
/// cloned into every connection.
pub trait GrpcService:
    Service<
        http::Request<Incoming>,
        Response = http::Response<tonic::body::Body>,
        Error = Infallible,
    > + Clone
    + Send
    + 'static
{
}

impl<S> GrpcService for S where
    S: Service<
            http::Request<Incoming>,
            Response = http::Response<tonic::body::Body>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static
{
}

/// Accepts connections until `stop` resolves and serves `service` on each
/// (every request carries its [`Arc<Connection>`] in its extensions).
/// Then asks every connection to close and waits for them up to `drain`.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    limits: ConnectionLimits,
    stop: impl std::future::Future<Output = ()>,
    drain: Duration,
) where
    S: GrpcService,
    S::Future: Send + 'static,
{
    let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    http2
        .timer(TokioTimer::new())
        .max_concurrent_streams(STREAMS_PER_CONNECTION);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    // Each connection holds a receiver: `closing` is how they are told to
    // close, and its `closed()` is when the last one has.
    let (closing, closing_receiver) = watch::channel(());
    let mut refused = 0u64;
    let mut accept_failing = false;
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => {
                accept_failing = false;
                accepted
            }
            Err(error) => {
                // Logged once per run of failures, not at every retry.
                if !accept_failing {
                    eprintln!("mesh xds serve: cannot accept a connection ({error}); retrying");
                    accept_failing = true;
                }
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            // Closed at once, so the client sees it and backs off; one
            // line for a run of refusals.
            if refused == 0 {
                eprintln!(
                    "mesh xds serve: {} connections open, the most --max-connections allows; \
                     closing new ones until one ends",
                    limits.max_connections
                );
            }
            refused += 1;
            drop(tcp);
            continue;
        };
        if refused > 0 {
            eprintln!("mesh xds serve: accepting connections again ({refused} refused meanwhile)");
            refused = 0;
        }
        spawn_connection(
            tcp,
            peer,
            service.clone(),
            &http2,
            limits.idle_timeout,
            closing_receiver.clone(),
            permit,
        );
    }
    drop(listener);
    drop(closing_receiver);
    let _ = closing.send(());
    // Clients keep their streams open: give them a moment to see the
    // server go away, then stop regardless.
    let _ = tokio::time::timeout(drain, closing.closed()).await;
}

/// Serves one connection until it ends, is idle for `idle_timeout`, or
/// the server stops.
fn spawn_connection<S>(
    tcp: TcpStream,
    peer: SocketAddr,
    service: S,
    http2: &hyper::server::conn::http2::Builder<TokioExecutor>,
    idle_timeout: Duration,
    mut closing: watch::Receiver<()>,
    permit: OwnedSemaphorePermit,
) where
    S: GrpcService,
    S::Future: Send + 'static,
{
    // gRPC messages are small and interactive: no Nagle delay.
    let _ = tcp.set_nodelay(true);
    let connection = Arc::new(Connection::new(peer));
    let mut streams = connection.streams.subscribe();
    let service = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
        request.extensions_mut().insert(Arc::clone(&connection));
        // The generated ADS server is always ready: no poll_ready to wait on.
        service.clone().call(request)
    });
    let served = http2.serve_connection(TokioIo::new(tcp), service);
    tokio::spawn(async move {
        let _permit = permit;
        tokio::pin!(served);
        let mut shutting_down = false;
        // Set when closed for idleness: the GOAWAY's deadline.
        let mut grace_until: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = served.as_mut() => break,
                () = idle(&mut streams, idle_timeout), if !shutting_down => {
                    served.as_mut().graceful_shutdown();
                    shutting_down = true;
                    grace_until = Some(Instant::now() + GOAWAY_GRACE);
                }
                _ = closing.changed(), if !shutting_down => {
                    served.as_mut().graceful_shutdown();
                    shutting_down = true;
                }
                () = sleep_until(grace_until) => {
                    if *streams.borrow() == 0 {
                        break;
                    }
                    // A stream opened as the GOAWAY left: it may finish.
                    grace_until = None;
                }
            }
        }
    });
}

/// Resolves once the connection has had no open stream for `timeout`.
async fn idle(streams: &mut watch::Receiver<usize>, timeout: Duration) {
    loop {
        if streams.wait_for(|open| *open == 0).await.is_err() {
            return std::future::pending().await;
        }
        tokio::select! {
            () = tokio::time::sleep(timeout) => return,
            // A stream opened (or opened and closed): the clock starts again.
            changed = streams.changed() => {
                if changed.is_err() {
                    return std::future::pending().await;
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_idle_clock_runs_only_while_no_stream_is_open() {
        let connection = Arc::new(Connection::new(([127, 0, 0, 1], 1).into()));
        let timeout = Duration::from_millis(100);
        let mut streams = connection.streams.subscribe();
        let started = Instant::now();
        idle(&mut streams, timeout).await;
        assert!(started.elapsed() >= timeout, "idle from the start");

        let stream = connection.open_stream();
        let mut streams = connection.streams.subscribe();
        let waiting = tokio::spawn(async move { idle(&mut streams, timeout).await });
        tokio::time::sleep(timeout * 4).await;
        assert!(
            !waiting.is_finished(),
            "an open stream keeps the connection"
        );
        drop(stream);
        let closed = Instant::now();
        tokio::time::timeout(Duration::from_secs(10), waiting)
            .await
            .expect("idle once the stream closed")
            .unwrap();
        assert!(closed.elapsed() >= timeout, "the clock starts at the close");
    }
}
