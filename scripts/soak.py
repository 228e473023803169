#!/usr/bin/env python3
"""The fault soak: many archives to SeaweedFS through scripts/fault_proxy.py failing a share of
requests (5xx, 429 and 503 SlowDown with Retry-After, resets, stalls past the timeout, truncated
answers). Every fifth archive also holds an 11 MB log that does not compress, sent as a multipart
upload of three 5 MiB parts, and every fifth other one a 24 MB log that compresses to about 10 MB,
sent in 5 MiB parts while it is compressed. For each failure rate: how many archives completed at once, how many
ended partial (exit 3) and were completed by `--retry`, how many logs were lost (the goal: none),
how many multipart uploads were left in progress in the bucket (the goal: none), and the time
against the clean run. Prints a Markdown table. Run it through scripts/soak.sh.

  soak.py --bin LOGARCHIVE --work DIR [--rates 0,10,30,50] [--archives 50] [--seed 1]
"""
import argparse, hashlib, json, os, random, shutil, subprocess, sys, time

parser = argparse.ArgumentParser()
parser.add_argument("--bin", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--rates", default="0,10,30,50")
parser.add_argument("--archives", type=int, default=50)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
args.bin = os.path.abspath(args.bin)
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
endpoint = os.environ["AWS_ENDPOINT_URL_S3"]
upstream = endpoint.split("//", 1)[1]
random.seed(args.seed)


def run(arguments, cwd, env, timeout=600):
    started = time.monotonic()
    result = subprocess.run(arguments, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    return result, time.monotonic() - started


def make_bucket(name):
    subprocess.run(["aws", "--endpoint-url", endpoint, "s3api", "create-bucket", "--bucket", name],
                   check=True, capture_output=True, env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"})


def make_logs(folder, issue, index):
    """Three logs: one over the compression threshold (gzipped), two small; every fifth archive an
    incompressible 11 MB log too (a multipart upload), every fifth other one a 24 MB log of hex ids
    (sent in parts while it is compressed). Returns name -> sha256."""
    logs = {
        f"builds/{issue}-build.log": "".join(
            f"2025-01-15T12:{n % 60:02d}:00Z [build {issue}] step {n} module_{random.randint(0, 99)}.swift ok\n"
            for n in range(30000)).encode(),
        f"deployments/{issue}-staging.log": (f"deploy {issue} to staging\n" * 200).encode(),
        f"debug/{issue}-trace.log": "".join(f"trace {issue} {random.random()}\n" for _ in range(100)).encode(),
    }
    if index % 5 == 0:
        logs[f"debug/{issue}-core.log"] = random.randbytes(11_000_000)
    if index % 5 == 2:
        logs[f"builds/{issue}-link.log"] = "".join(
            f"[link {issue}] object {random.getrandbits(96):024x} ok\n" for _ in range(24_000_000 // 40)).encode()
    digests = {}
    for relative, content in logs.items():
        path = os.path.join(folder, "logs", relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)
        digests[relative] = hashlib.sha256(content).hexdigest()
    return digests


def uploads_in_progress(bucket):
    """Multipart uploads started in the bucket and neither completed nor aborted."""
    listing = subprocess.run(["aws", "--endpoint-url", endpoint, "s3api", "list-multipart-uploads", "--bucket", bucket],
                             check=True, capture_output=True, text=True, env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"})
    return len(json.loads(listing.stdout or "{}").get("Uploads") or [])


def lost_logs(folder, issue, digests, env):
    """Logs neither on disk unchanged nor readable back from the store with the same bytes."""
    lost = 0
    for relative, digest in digests.items():
        path = os.path.join(folder, "logs", relative)
        if os.path.exists(path):
            with open(path, "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() == digest:
                    continue
        name = os.path.basename(relative)
        result, _ = run([args.bin, "read", str(issue), "--file", name, "--raw", "--store", env["LOGARCHIVE_STORE"]], folder, env)
        if result.returncode != 0 or hashlib.sha256(result.stdout).hexdigest() != digest:
            lost += 1
    return lost


def soak_one_rate(rate, bucket, listening):
    """Runs the archives through the proxy; returns (complete, healed, retry runs, never, lost, seconds)."""
    faulty = {**os.environ, "AWS_ENDPOINT_URL_S3": f"http://{listening}", "LOGARCHIVE_BACKOFF_SCALE": "0.02",
              "LOGARCHIVE_HTTP_TIMEOUT": "1s", "LOGARCHIVE_STORE": f"s3://{bucket}", "AWS_EC2_METADATA_DISABLED": "true",
              "LOGARCHIVE_MULTIPART_THRESHOLD": "5MiB", "LOGARCHIVE_PART_SIZE": "5MiB"}
    direct = {**faulty, "AWS_ENDPOINT_URL_S3": endpoint}
    completed = healed = failed = lost = retries = 0
    seconds = 0.0
    for index in range(args.archives):
        issue = 1000 + index
        folder = os.path.join(args.work, f"rate{rate}", str(issue))
        digests = make_logs(folder, issue, index)
        result, took = run([args.bin, str(issue), "--no-commit", "--no-comment"], folder, faulty)
        seconds += took
        if result.returncode == 0:
            completed += 1
        elif result.returncode == 3:
            for _ in range(5):
                again, took = run([args.bin, str(issue), "--retry", "--no-commit", "--no-comment"], folder, faulty)
                seconds += took
                retries += 1
                if again.returncode == 0:
                    healed += 1
                    break
            else:
                failed += 1
        else:
            failed += 1
            sys.stderr.write(f"rate {rate}% issue {issue}: exit {result.returncode}: {result.stderr.decode()[-300:]}\n")
        lost += lost_logs(folder, issue, digests, direct)
    shutil.rmtree(os.path.join(args.work, f"rate{rate}"), ignore_errors=True)
    return completed, healed, retries, failed, lost, seconds


rows = []
clean_seconds = None
for rate in [int(r) for r in args.rates.split(",")]:
    bucket = f"soak-{rate}-{int(time.time())}"
    make_bucket(bucket)
    proxy_log = os.path.join(args.work, f"proxy-{rate}.log")
    proxy = subprocess.Popen(
        [sys.executable, os.path.join(repo, "scripts/fault_proxy.py"), "--upstream", upstream, "--fail-rate", str(rate / 100),
         "--stall-seconds", "3", "--seed", str(args.seed + rate), "--log", proxy_log],
        stdout=subprocess.PIPE, text=True)
    try:
        listening = proxy.stdout.readline().split()[-1]
        completed, healed, retries, failed, lost, seconds = soak_one_rate(rate, bucket, listening)
        in_progress = uploads_in_progress(bucket)
    finally:
        proxy.terminate()
        proxy.wait()
    entries = [json.loads(line) for line in open(proxy_log)] if os.path.exists(proxy_log) else []
    faults = sum(1 for entry in entries if entry.get("fault"))
    if rate == 0:
        clean_seconds = seconds
    overhead = f"{(seconds / clean_seconds - 1) * 100:+.0f}%" if clean_seconds else "n/a"
    rows.append((rate, args.archives, completed, healed, retries, failed, lost, in_progress, len(entries), faults, seconds, overhead))

print("| failure rate | archives | complete at once | partial, completed by --retry | --retry runs | never completed | logs lost | uploads left in progress | requests | faults injected | time | overhead vs clean |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for rate, n, ok, healed, retries, failed, lost, in_progress, requests, faults, seconds, overhead in rows:
    print(f"| {rate}% | {n} | {ok} | {healed} | {retries} | {failed} | {lost} | {in_progress} | {requests} | {faults} | {seconds:.1f} s | {overhead} |")
sys.exit(0 if all(row[6] == 0 for row in rows) else 1)
