#!/bin/sh
# bench/profile-hls.sh BUILD OUTPREFIX - where a worker's time goes in the
# HLS part: ringcastd configured as bench/hls runs it (the bench sample,
# /tmp/bench-4m.ts, looped; 2 workers), tests/loadgen -m playlist -c 200
# on the playlist and then on the newest segment, and perf record -g on
# both workers for 8 s of each run.  Prints loadgen's figures and the
# workers' CPU ticks; writes OUTPREFIX-playlist.txt and
# OUTPREFIX-segment.txt (perf report --no-children, call graphs) and
# keeps perf.data in the temporary directory it names.  A benchmark:
# run it as  flock /tmp/bench.lock sh bench/profile-hls.sh build /tmp/prof
set -u
[ $# -eq 2 ] || { echo "usage: bench/profile-hls.sh BUILD OUTPREFIX" >&2; exit 2; }
command -v perf >/dev/null 2>&1 ||
    { echo "profile-hls: perf is missing (Debian: linux-perf)" >&2; exit 1; }
[ -r /tmp/bench-4m.ts ] ||
    { echo "profile-hls: no /tmp/bench-4m.ts (bench/run makes it)" >&2; exit 1; }
build=$1 out=$2
tmp=$(mktemp -d /tmp/hlsprof.XXXX)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat >$tmp/rc.conf <<EOC
listen = [ "127.0.0.1:$port" ];
workers = 2;
user = "";
pid_file = "$tmp/rc.pid";
control_socket = "$tmp/c.sock";
log = { target = "stderr"; level = "warning"; };
max_clients = 5000;
defaults = { max_clients = 5000; ring_size = 67108864; hls = { max_segments = 60; }; };
streams = ( { name = "hls"; type = "ts"; url = "file:///tmp/bench-4m.ts"; loop = true; on_demand = false; } );
EOC
$build/ringcastd -f -c $tmp/rc.conf >$tmp/rc.log 2>&1 &
rc=$!
base=http://127.0.0.1:$port/hls/hls
for i in $(seq 1 40); do
	n=$(curl -s $base/index.m3u8 | grep -c EXTINF)
	[ "${n:-0}" -ge 6 ] && break
	sleep 1
done
workers=$(for p in $(pgrep -P $rc); do tr '\0' ' ' </proc/$p/cmdline | grep -q worker && echo $p; done | paste -sd,)
echo "workers $workers"
for kind in playlist segment; do
	if [ $kind = segment ]; then
		seg=$(curl -s $base/index.m3u8 | grep '\.ts$' | tail -n 1)
		url=$base/$seg
	else
		url=$base/index.m3u8
	fi
	cpu0=$(for p in $(echo $workers | tr , ' '); do cat /proc/$p/stat; done | awk '{ t += $14 + $15 } END { print t }')
	$build/tests/loadgen -m playlist -c 200 -d 10 -r 1000 $url >$tmp/lg-$kind.json 2>/dev/null &
	lg=$!
	sleep 1.5
	perf record -q -g -o $tmp/perf-$kind.data -p $workers -- sleep 8 >/dev/null 2>&1
	wait $lg
	cpu1=$(for p in $(echo $workers | tr , ' '); do cat /proc/$p/stat; done | awk '{ t += $14 + $15 } END { print t }')
	echo "== $kind: $url"
	python3 -c "import json,sys;j=json.load(open('$tmp/lg-$kind.json'));print({k:j.get(k) for k in ('requests_per_s','latency_p50_ms','latency_p99_ms','gbps','request_errors','window_requests','cpu_user_s','cpu_sys_s')})"
	echo "worker CPU ticks during run: $((cpu1 - cpu0))"
	perf report -i $tmp/perf-$kind.data --stdio --no-children 2>/dev/null | grep -v '^$' | head -70 >${out}-$kind.txt
done
kill $rc; wait $rc
echo "tmp $tmp"
