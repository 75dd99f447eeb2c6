"""Real gRPC traffic for mesh's routing tests (Python grpcio, no codegen).

  backend --listen 127.0.0.X:PORT --name NAME [--xds]
      A plain gRPC server: the unary methods /echo.Echo/Call and
      /echo.Echo/Other answer with NAME (raw bytes), followed by " " and
      the caller's SPIFFE id when the caller presented a certificate.
      Prints "ready" once listening; runs until killed, or --lifetime
      seconds at most. With --xds, a proxyless xDS server (bootstrap from
      GRPC_XDS_BOOTSTRAP): its inbound listener, plaintext or mTLS, comes
      from the control plane.

  certs --dir DIR --identity NAME=SPIFFE_ID... [--dns-name NAME]...
      A test CA and, for each NAME, DIR/NAME/{cert-chain,key,root-cert}.pem
      as istio-agent writes them for the file_watcher provider: a key and
      a certificate with the SPIFFE id as its URI SAN (and each
      --dns-name NAME as a DNS SAN), signed by the CA.

  client --target xds:///HOST:PORT --rpcs N [--metadata k=v]...
         [--method /echo.Echo/Call] [--timeout S] [--deadline S] [--settle S]
         [--batches B] [--pause S] [--xds-creds] [--ready-within S]
      ONE channel to the xDS target (bootstrap from GRPC_XDS_BOOTSTRAP):
      waits until it is ready, sends N unary RPCs one after another and
      prints one JSON line:
      {"counts": {NAME: n}, "errors": {"StatusCode.X": n},
       "error_details": [...], "elapsed_ms": ...,
       "first_ms": {NAME: ms}, "ready": true}
      (elapsed_ms: from the first RPC to the last answer; first_ms: from
      the first RPC to NAME's first answer)
      With --batches B, does that B times on the same channel, reading one
      line from stdin before each batch after the first (the caller's
      go-ahead). --pause waits S seconds after each RPC. --xds-creds uses
      xDS channel credentials (TLS when the cluster says so, else
      plaintext), as a proxyless app does for mTLS. --ready-within S sends
      the RPCs even if the channel is not ready after S seconds (to see
      how they fail); the line then has "ready": false.
      Everything ends within --timeout seconds; exit 1 if the channel never
      became ready or the RPCs did not all finish in time.
"""
import argparse
import json
import os
import sys
import threading
import time
from concurrent import futures

import grpc
import grpc.experimental

METHODS = ("/echo.Echo/Call", "/echo.Echo/Other")
MAX_ERROR_DETAILS = 5


def identity(data):
    return data


def spiffe_id(context):
    """The caller's SPIFFE id (its certificate's URI SAN), if it sent one."""
    for spiffe in context.auth_context().get("peer_spiffe_id", []):
        return spiffe.decode()
    return None


def backend(args):
    def answer(_request, context):
        caller = spiffe_id(context)
        return (args.name if caller is None else f"{args.name} {caller}").encode()

    handlers = {
        method.rsplit("/", 1)[1]: grpc.unary_unary_rpc_method_handler(
            answer, request_deserializer=identity, response_serializer=identity
        )
        for method in METHODS
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), xds=args.xds)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("echo.Echo", handlers),)
    )
    if args.xds:
        credentials = grpc.xds_server_credentials(grpc.insecure_server_credentials())
        bound = server.add_secure_port(args.listen, credentials)
    else:
        bound = server.add_insecure_port(args.listen)
    if bound == 0:
        print(f"cannot listen on {args.listen}", file=sys.stderr)
        return 1
    server.start()
    print("ready", flush=True)
    server.wait_for_termination(timeout=args.lifetime)
    return 0


def send_batch(args, call, metadata, deadline, ready):
    """Sends --rpcs RPCs and prints what answered them; False if out of time."""
    counts, errors, details, first = {}, {}, [], {}
    finished = True
    started = time.monotonic()
    for _ in range(args.rpcs):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            finished = False
            break
        try:
            name = call(b"ping", metadata=metadata,
                        timeout=min(args.deadline, remaining)).decode()
            counts[name] = counts.get(name, 0) + 1
            first.setdefault(name, round((time.monotonic() - started) * 1000))
        except grpc.RpcError as error:
            code = str(error.code())
            errors[code] = errors.get(code, 0) + 1
            if len(details) < MAX_ERROR_DETAILS:
                details.append(f"{code}: {error.details()}")
        if args.pause:
            time.sleep(args.pause)
    print(json.dumps({
        "counts": counts,
        "errors": errors,
        "error_details": details,
        "elapsed_ms": round((time.monotonic() - started) * 1000),
        "first_ms": first,
        "ready": ready,
    }), flush=True)
    return finished


def certs(args):
    # Imported here: only this command needs it.
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    valid_from, valid_until = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)

    def pem(certificate):
        return certificate.public_bytes(serialization.Encoding.PEM)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mesh test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from).not_valid_after(valid_until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True,
            content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    for item in args.identity:
        name, _, spiffe = item.partition("=")
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            # Istio's workload certificates have an empty subject.
            .subject_name(x509.Name([])).issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from).not_valid_after(valid_until)
            .add_extension(x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(spiffe)]
                + [x509.DNSName(name) for name in args.dns_name]), critical=True)
            .add_extension(x509.ExtendedKeyUsage([
                x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        directory = os.path.join(args.dir, name)
        os.makedirs(directory, exist_ok=True)
        files = {
            "cert-chain.pem": pem(leaf),
            "key.pem": key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()),
            "root-cert.pem": pem(ca),
        }
        for file, data in files.items():
            with open(os.path.join(directory, file), "wb") as out:
                out.write(data)
    return 0


def client(args):
    if not os.environ.get("GRPC_XDS_BOOTSTRAP"):
        print("GRPC_XDS_BOOTSTRAP is not set", file=sys.stderr)
        return 2
    metadata = []
    for item in args.metadata:
        key, _, value = item.partition("=")
        metadata.append((key.lower(), value))
    deadline = time.monotonic() + args.timeout
    finished = True
    if args.xds_creds:
        credentials = grpc.xds_channel_credentials(grpc.experimental.insecure_channel_credentials())
        channel = grpc.secure_channel(args.target, credentials)
    else:
        channel = grpc.insecure_channel(args.target)
    with channel:
        ready_within = args.timeout if args.ready_within is None else args.ready_within
        try:
            grpc.channel_ready_future(channel).result(timeout=ready_within)
            ready = True
        except grpc.FutureTimeoutError:
            if args.ready_within is None:
                print(json.dumps({"error": f"{args.target} not ready in {args.timeout} s"}))
                return 1
            ready = False
        # The channel is READY once one backend is; let the others connect
        # too so that round robin sees them all from the first counted RPC.
        if ready:
            time.sleep(min(args.settle, max(0.0, deadline - time.monotonic())))
        call = channel.unary_unary(
            args.method, request_serializer=identity, response_deserializer=identity
        )
        for batch in range(args.batches):
            if batch > 0 and not sys.stdin.readline():
                break
            finished = send_batch(args, call, metadata, deadline, ready) and finished
    return 0 if finished else 1


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("backend")
    serve.add_argument("--listen", required=True)
    serve.add_argument("--name", required=True)
    serve.add_argument("--lifetime", type=float, default=300.0,
                       help="an orphaned backend goes away by itself")
    serve.add_argument("--xds", action="store_true",
                       help="an xDS server: listener and security from the control plane")
    issue = commands.add_parser("certs")
    issue.add_argument("--dir", required=True)
    issue.add_argument("--identity", action="append", required=True, help="NAME=SPIFFE_ID")
    issue.add_argument("--dns-name", action="append", default=[],
                       help="a DNS name every certificate also holds (after the SPIFFE id)")
    send = commands.add_parser("client")
    send.add_argument("--target", required=True)
    send.add_argument("--rpcs", type=int, required=True)
    send.add_argument("--metadata", action="append", default=[], help="KEY=VALUE")
    send.add_argument("--method", default=METHODS[0])
    send.add_argument("--timeout", type=float, default=30.0, help="for everything")
    send.add_argument("--deadline", type=float, default=10.0, help="for each RPC")
    send.add_argument("--settle", type=float, default=0.5,
                      help="seconds between the channel being ready and the first RPC")
    send.add_argument("--batches", type=int, default=1,
                      help="batches on one channel; a stdin line starts each after the first")
    send.add_argument("--pause", type=float, default=0.0, help="seconds after each RPC")
    send.add_argument("--xds-creds", action="store_true",
                      help="xDS channel credentials: TLS when the cluster says so")
    send.add_argument("--ready-within", type=float,
                      help="send the RPCs anyway if not ready after this many seconds")
    args = parser.parse_args()
    if args.command == "backend":
        return backend(args)
    if args.command == "certs":
        return certs(args)
    # Never outlive --timeout, whatever grpc does on the way out.
    watchdog = threading.Timer(args.timeout + 5, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    return client(args)


if __name__ == "__main__":
    sys.exit(main())
