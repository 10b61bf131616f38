#!/usr/bin/env bash
# The Debian package end to end: builds the .deb from the built programs (scripts/package
# --no-build), checks its control fields and file list, installs it twice into a throw-away root
# (dpkg --root, maintainer scripts run chrootless with DPKG_ROOT), checks what the postinst made,
# then runs the installed burgernetctl (migrate, keys init) and burgernetd against a database of
# its own, until /readyz answers 200 and SIGTERM ends it with exit 0.
#   deb_install_test.sh BUILD_DIR VERSION       (ctest: tests/packaging/CMakeLists.txt)
set -euo pipefail

BUILD_DIR="$1"
VERSION="$2"
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
: "${BURGERNET_TEST_DATABASE_URL:?the packaging test needs BURGERNET_TEST_DATABASE_URL (scripts/test sets it)}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/burgernet-deb-test.XXXXXX")"
root="$tmp/root"
database="burgernet_deb_$$_$RANDOM"
daemon_pid=""
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
die() { echo "FAIL: $*" >&2; exit 1; }

# The cluster URL with another database name in its path.
database_url() {
  local url="$BURGERNET_TEST_DATABASE_URL"
  [[ $url =~ ^([a-z]+://[^/?]*)/?([^?]*)(\?.*)?$ ]] || die "cannot parse BURGERNET_TEST_DATABASE_URL"
  echo "${BASH_REMATCH[1]}/$1${BASH_REMATCH[3]}"
}
admin_url="$(database_url postgres)"

cleanup() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  psql -X -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- the package ------------------------------------------------------------------------------
deb="$(BURGERNET_BUILD_DIR="$BUILD_DIR" "$ROOT_DIR/scripts/package" --no-build "$tmp/package" | tail -n 1)"
[[ -f $deb ]] || die "scripts/package printed no .deb"
[[ $(basename "$deb") == burgernet_${VERSION}_*.deb ]] || fail "package file name $(basename "$deb")"
ok "built $(basename "$deb")"

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == burgernet ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$VERSION" ]] || fail "Version: $(field Version), expected $VERSION"
depends="$(field Depends)"
for needed in libpq5 libssl3 libc6 passwd; do
  [[ ", $depends," == *", $needed"[\ ,]* ]] || fail "Depends lacks $needed: $depends"
done
[[ $(field Recommends) == *postgresql-15-postgis-3* ]] || fail "Recommends: $(field Recommends)"
ok "Depends: $depends"

dpkg-deb -I "$deb" conffiles 2>/dev/null | grep -qx /etc/burgernet/burgernet.json ||
  fail "/etc/burgernet/burgernet.json is not a conffile"
for script in postinst prerm postrm; do
  dpkg-deb -I "$deb" "$script" >/dev/null 2>&1 || fail "no $script in the package"
done

# "mode owner path" of every entry, as tar lists them.
listing="$(dpkg-deb -c "$deb" | awk '{print $1, $2, $6}')"
expect_entry() {
  grep -qxF -- "$1 root/root ./$2" <<<"$listing" ||
    fail "expected $1 root/root ./$2 in the package, got: $(grep -F -- "./$2" <<<"$listing" || echo nothing)"
}
expect_entry -rwxr-xr-x usr/bin/burgernetd
expect_entry -rwxr-xr-x usr/bin/burgernetctl
expect_entry -rw-r--r-- usr/lib/systemd/system/burgernetd.service
expect_entry -rw-r----- etc/burgernet/burgernet.json
expect_entry -rw-r--r-- usr/share/doc/burgernet/examples/burgernet.example.json
expect_entry -rw-r--r-- usr/share/doc/burgernet/README.md
expect_entry -rw-r--r-- usr/share/doc/burgernet/privacy.md
grep -qE ' \./usr/share/burgernet/sql/migrations/0001_[^/]+\.sql$' <<<"$listing" || fail "no SQL migrations in /usr/share/burgernet/sql"
if grep -E '/tests?/|/bench/|/fuzz|_(pg)?test$|_fuzz$|\.(o|a|cpp|hpp)$' <<<"$listing"; then
  fail "test, benchmark, fuzz or build files in the package (above)"
fi
unit="$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/system/burgernetd.service)"
grep -q '^ExecStart=/usr/bin/burgernetd ' <<<"$unit" || fail "the unit's ExecStart: $(grep ExecStart <<<"$unit")"
# The operator runs `burgernetctl keys init` with the packaged config; the keys it writes must be
# the files the unit hands the daemon as credentials.
packaged_config="$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./etc/burgernet/burgernet.json)"
while IFS=: read -r _ source; do
  grep -qF "\"$source\"" <<<"$packaged_config" ||
    fail "the unit loads the credential $source, which /etc/burgernet/burgernet.json does not name"
done < <(sed -n 's/^LoadCredential=//p' <<<"$unit")
ok "file list: $(wc -l <<<"$listing") entries, binaries, unit, conffile at their places"

# --- install into a throw-away root -------------------------------------------------------------
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# What a minimal Debian root holds, so that useradd --prefix has files to add to.
echo "root:x:0:0:root:/root:/bin/bash" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
echo "root:*:19000:0:99999:7:::" >"$root/etc/shadow"
echo "root:*::" >"$root/etc/gshadow"
chmod 640 "$root/etc/shadow" "$root/etc/gshadow"

host_user_before="$(getent passwd burgernet || true)"
install_deb() {
  dpkg --root="$root" --force-not-root --force-script-chrootless --force-depends \
    --log="$tmp/dpkg.log" -i "$deb" >"$tmp/dpkg.out" 2>&1 || {
    cat "$tmp/dpkg.out" >&2
    die "dpkg -i ($1) failed"
  }
}
install_deb "first install"
install_deb "reinstall"
ok "installed twice into $root"
[[ "$(getent passwd burgernet || true)" == "$host_user_before" ]] || fail "the postinst changed this machine's burgernet user"

[[ -x $root/usr/bin/burgernetd && -x $root/usr/bin/burgernetctl ]] || die "the programs are not in $root/usr/bin"
# Mode, owner and group as numbers: the root's burgernet user is unknown to this machine.
stat_of() { stat -c '%a %u %g' "$root$1"; }
if [[ $(id -u) == 0 ]]; then
  passwd_line="$(grep '^burgernet:' "$root/etc/passwd" || true)"
  group_line="$(grep '^burgernet:' "$root/etc/group" || true)"
  [[ -n $passwd_line && -n $group_line ]] || die "the postinst made no burgernet user or group in $root"
  IFS=: read -r _ _ uid gid _ home shell <<<"$passwd_line"
  [[ $gid == "$(cut -d: -f3 <<<"$group_line")" ]] || fail "burgernet's primary group is not burgernet"
  [[ $home == /var/lib/burgernet ]] || fail "burgernet's home is $home"
  [[ $shell == /usr/sbin/nologin ]] || fail "burgernet's shell is $shell"
  ((uid < 1000)) || fail "burgernet is not a system user (uid $uid)"
  [[ $(grep -c '^burgernet:' "$root/etc/passwd") == 1 ]] || fail "the reinstall added burgernet twice"
  [[ $(stat_of /etc/burgernet) == "750 0 $gid" ]] || fail "/etc/burgernet: $(stat_of /etc/burgernet)"
  [[ $(stat_of /etc/burgernet/secrets) == "750 0 $gid" ]] || fail "/etc/burgernet/secrets: $(stat_of /etc/burgernet/secrets)"
  [[ $(stat_of /etc/burgernet/burgernet.json) == "640 0 $gid" ]] || fail "burgernet.json: $(stat_of /etc/burgernet/burgernet.json)"
  [[ $(stat_of /var/lib/burgernet) == "750 $uid $gid" ]] || fail "/var/lib/burgernet: $(stat_of /var/lib/burgernet)"
  ok "user burgernet (uid $uid, gid $gid, home $home, shell $shell) and the directories' modes"
else
  grep -q "not creating the burgernet user" "$tmp/dpkg.out" || fail "no message about the skipped user"
  for dir in /etc/burgernet /etc/burgernet/secrets /var/lib/burgernet; do
    [[ $(stat -c %a "$root$dir") == 750 ]] || fail "$dir: mode $(stat -c %a "$root$dir")"
  done
  ok "not root: the user was skipped with a message, the modes are set"
fi
# As root, the unprivileged path too (a packager's dpkg --root without root): dpkg as nobody into
# a second root; the postinst must skip the user with a message and still set the modes.
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  plain_root="$tmp/root-unprivileged"
  mkdir -p "$plain_root/var/lib/dpkg/info" "$plain_root/var/lib/dpkg/updates"
  touch "$plain_root/var/lib/dpkg/status" "$plain_root/var/lib/dpkg/available"
  chown -R nobody:nogroup "$plain_root"
  chmod 711 "$tmp"
  (cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups \
    dpkg --root="$plain_root" --force-not-root --force-script-chrootless --force-depends --log=/dev/null \
    -i "$deb") >"$tmp/dpkg-unprivileged.out" 2>&1 || {
    cat "$tmp/dpkg-unprivileged.out" >&2
    die "dpkg -i as nobody failed"
  }
  grep -q "not creating the burgernet user" "$tmp/dpkg-unprivileged.out" || fail "as nobody: no message about the skipped user"
  [[ ! -e $plain_root/etc/passwd ]] || fail "as nobody: the postinst wrote an /etc/passwd"
  for dir in /etc/burgernet /etc/burgernet/secrets /var/lib/burgernet; do
    [[ $(stat -c %a "$plain_root$dir") == 750 ]] || fail "as nobody: $dir has mode $(stat -c %a "$plain_root$dir")"
  done
  ok "as nobody: dpkg --root installs, the user is skipped with a message, the modes are set"
fi
keys_found="$(find "$root" -name '*.key')"
[[ -z $keys_found ]] || fail "the package made key files: $keys_found"

# --- run the installed programs -----------------------------------------------------------------
version_line="$("$root/usr/bin/burgernetd" --version 2>&1 || true)"
[[ $version_line == "burgernetd $VERSION" ]] || fail "burgernetd --version: $version_line"
ctl_version="$("$root/usr/bin/burgernetctl" --version 2>&1 || true)"
[[ $ctl_version == "burgernetctl $VERSION"* ]] || fail "burgernetctl --version: $ctl_version"
ok "$version_line; $ctl_version"

psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "CREATE DATABASE $database" >/dev/null
config="$root/etc/burgernet/burgernet.json"
outbox="$root/var/lib/burgernet/outbox"
cat >"$config" <<JSON
{
  "http": { "listen": "127.0.0.1:0", "threads": 1 },
  "database": { "url": "$(database_url "$database")", "pool_size": 2, "worker_pool_size": 2 },
  "channels": {
    "voice":   { "driver": "file", "path": "$outbox/voice.jsonl" },
    "sms":     { "driver": "file", "path": "$outbox/sms.jsonl" },
    "push":    { "driver": "file", "path": "$outbox/push.jsonl" },
    "twitter": { "driver": "file", "path": "$outbox/twitter.jsonl" }
  },
  "privacy": {
    "key_file": "$root/etc/burgernet/secrets/personal-data.key",
    "lookup_key_file": "$root/etc/burgernet/secrets/lookup.key"
  },
  "log": { "level": "info" }
}
JSON
"$root/usr/bin/burgernetctl" --config "$config" migrate >"$tmp/migrate.out" 2>&1 ||
  { cat "$tmp/migrate.out" >&2; die "burgernetctl migrate failed"; }
# On a new installation migrate makes the keys as `keys init` does (SPEC's minimal config then
# works with migrate alone); a `keys init` after it refuses to replace them.
[[ -s $root/etc/burgernet/secrets/personal-data.key && -s $root/etc/burgernet/secrets/lookup.key ]] ||
  { cat "$tmp/migrate.out" >&2; fail "migrate made no key files on a new installation"; }
if "$root/usr/bin/burgernetctl" --config "$config" keys init >"$tmp/keys.out" 2>&1; then
  fail "keys init replaced the keys migrate made"
fi
ok "migrate made the keys; keys init refuses to replace them"

# Listens on a port of the kernel's choosing and names it in its log: no race for a free port.
"$root/usr/bin/burgernetd" --config "$config" >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
port=""
ready=""
for _ in $(seq 1 300); do
  kill -0 "$daemon_pid" 2>/dev/null || break
  [[ -z $port ]] && port="$(sed -n 's/.*burgernetd listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$tmp/daemon.log" | head -n 1)"
  if [[ -n $port ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 ]]; then
    ready=yes
    break
  fi
  sleep 0.1
done
if [[ -z $ready ]]; then
  cat "$tmp/daemon.log" >&2
  die "the installed burgernetd did not answer 200 on /readyz within 30 s"
fi
ok "the installed burgernetd answers 200 on /readyz (port $port)"

kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
((status == 0)) || { tail -n 20 "$tmp/daemon.log" >&2; fail "burgernetd exited $status after SIGTERM"; }
ok "SIGTERM: exit $status"

# --- remove keeps the data, purge deletes it ---------------------------------------------------
dpkg_root() { dpkg --root="$root" --force-not-root --force-script-chrootless --log="$tmp/dpkg.log" "$@"; }
dpkg_root --remove burgernet >"$tmp/dpkg.out" 2>&1 || { cat "$tmp/dpkg.out" >&2; die "dpkg --remove failed"; }
[[ ! -e $root/usr/bin/burgernetd ]] || fail "remove left /usr/bin/burgernetd"
[[ -d $root/var/lib/burgernet && -s $root/etc/burgernet/secrets/personal-data.key && -f $config ]] ||
  fail "remove deleted the data, the keys or the configuration"
dpkg_root --purge burgernet >"$tmp/dpkg.out" 2>&1 || { cat "$tmp/dpkg.out" >&2; die "dpkg --purge failed"; }
[[ ! -e $root/var/lib/burgernet && ! -e $root/etc/burgernet ]] || fail "purge left /var/lib/burgernet or /etc/burgernet"
ok "remove keeps /var/lib/burgernet, the keys and the config; purge deletes them"

((failures == 0)) || die "$failures check(s) failed"
echo "PASS: the .deb installs into a throw-away root and runs"
