"""Real gRPC traffic for mesh's routing tests (Python grpcio, no codegen).

  backend --listen 127.0.0.X:PORT --name NAME
      A plain gRPC server: the unary methods /echo.Echo/Call and
      /echo.Echo/Other answer with NAME (raw bytes). Prints "ready" once
      listening; runs until killed, or --lifetime seconds at most.

  client --target xds:///HOST:PORT --rpcs N [--metadata k=v]...
         [--method /echo.Echo/Call] [--timeout S] [--deadline S] [--settle S]
         [--batches B] [--pause S]
      ONE channel to the xDS target (bootstrap from GRPC_XDS_BOOTSTRAP):
      waits until it is ready, sends N unary RPCs one after another and
      prints one JSON line:
      {"counts": {NAME: n}, "errors": {"StatusCode.X": n},
       "error_details": [...], "elapsed_ms": ...,
       "first_ms": {NAME: ms}}
      (elapsed_ms: from the first RPC to the last answer; first_ms: from
      the first RPC to NAME's first answer)
      With --batches B, does that B times on the same channel, reading one
      line from stdin before each batch after the first (the caller's
      go-ahead). --pause waits S seconds after each RPC.
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

METHODS = ("/echo.Echo/Call", "/echo.Echo/Other")
MAX_ERROR_DETAILS = 5


def identity(data):
    return data


def backend(args):
    name = args.name.encode()

    def answer(_request, _context):
        return name

    handlers = {
        method.rsplit("/", 1)[1]: grpc.unary_unary_rpc_method_handler(
            answer, request_deserializer=identity, response_serializer=identity
        )
        for method in METHODS
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("echo.Echo", handlers),)
    )
    if server.add_insecure_port(args.listen) == 0:
        print(f"cannot listen on {args.listen}", file=sys.stderr)
        return 1
    server.start()
    print("ready", flush=True)
    server.wait_for_termination(timeout=args.lifetime)
    return 0


def send_batch(args, call, metadata, deadline):
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
    }), flush=True)
    return finished


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
    with grpc.insecure_channel(args.target) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=args.timeout)
        except grpc.FutureTimeoutError:
            print(json.dumps({"error": f"{args.target} not ready in {args.timeout} s"}))
            return 1
        # The channel is READY once one backend is; let the others connect
        # too so that round robin sees them all from the first counted RPC.
        time.sleep(min(args.settle, max(0.0, deadline - time.monotonic())))
        call = channel.unary_unary(
            args.method, request_serializer=identity, response_deserializer=identity
        )
        for batch in range(args.batches):
            if batch > 0 and not sys.stdin.readline():
                break
            finished = send_batch(args, call, metadata, deadline) and finished
    return 0 if finished else 1


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("backend")
    serve.add_argument("--listen", required=True)
    serve.add_argument("--name", required=True)
    serve.add_argument("--lifetime", type=float, default=300.0,
                       help="an orphaned backend goes away by itself")
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
    args = parser.parse_args()
    if args.command == "backend":
        return backend(args)
    # Never outlive --timeout, whatever grpc does on the way out.
    watchdog = threading.Timer(args.timeout + 5, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    return client(args)


if __name__ == "__main__":
    sys.exit(main())
