#!/usr/bin/env bash
# Starts a throwaway single-node Ceph cluster with S3 (radosgw) on loopback, for tests and benchmarks:
# one monitor, one OSD on the memstore backend (data in RAM), no cephx auth, and one radosgw per port
# given. Everything lives in DIR; nothing touches /etc/ceph or /var/lib/ceph, so several clusters can
# run on one machine at once. Prints nothing on success; stop it with scripts/ceph/stop.sh DIR.
#
#   scripts/ceph/start.sh DIR MON_PORT RGW_PORT [RGW_PORT...]
#
# Then: radosgw-admin -c DIR/ceph.conf user create ... (scripts/ceph/cluster.mjs does this, makes a bucket and
# waits until S3 answers). Needs Debian's ceph-mon ceph-osd radosgw ceph-common (16.2 tested).
set -euo pipefail

if (($# < 3)); then
  echo "usage: $0 DIR MON_PORT RGW_PORT [RGW_PORT...]" >&2
  exit 2
fi
dir=$1
mon_port=$2
shift 2
for tool in monmaptool ceph-mon ceph-osd radosgw ceph; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "ceph: $tool not found; install Debian's packages: apt-get install ceph-mon ceph-osd radosgw ceph-common" >&2
    exit 3
  fi
done

mkdir -p "$dir"/{mon,osd0,run,log}
fsid=$(cat /proc/sys/kernel/random/uuid)
conf=$dir/ceph.conf
{
  cat <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
keyring = /dev/null
ms bind msgr1 = false
ms bind ipv6 = false
public addr = 127.0.0.1
cluster addr = 127.0.0.1
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
mon data = $dir/mon
osd data = $dir/osd0
mon data avail warn = 1
mon data avail crit = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 4294967296
[client]
ms mon client mode = crc
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
# Free deleted and overwritten objects' data within seconds, not hours: memstore keeps it in RAM.
rgw gc obj min wait = 2
rgw gc processor period = 5
rgw gc processor max time = 5
CONF
  for port in "$@"; do
    printf '[client.rgw.%s]\nrgw frontends = beast endpoint=127.0.0.1:%s tcp_nodelay=1\n' "$port" "$port"
  done
} >"$conf"

monmaptool --create --add a "v2:127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap"
ceph-mon -c "$conf" -i a
ceph -c "$conf" --connect-timeout 30 osd create >/dev/null
ceph-osd -c "$conf" -i 0 --mkfs 2>/dev/null
ceph-osd -c "$conf" -i 0 2>/dev/null
for port in "$@"; do
  radosgw -c "$conf" -n "client.rgw.$port"
done
