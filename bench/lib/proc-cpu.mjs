// CPU time of processes, read from /proc (Linux): what a path costs the machine, steadier than its wall time
// on a loaded one.
import { readdirSync, readFileSync } from 'node:fs'

/** CPU milliseconds `pid` has used so far, all its threads (schedstat: ns on CPU); 0 once it is gone. */
export function cpuMs(pid) {
  let ns = 0
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0])
    }
  } catch {}
  return ns / 1e6
}

/** The summed CPU milliseconds of `pids`. */
export const cpuMsOf = (pids) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0)

/**
 * The pids of the Ceph daemons (monitor, OSD, radosgw) of the cluster whose radosgw listens on `endpoint`:
 * each runs with `-c DIR/ceph.conf`, and that file names the port.
 */
export function cephPids(endpoint) {
  const port = new URL(endpoint).port
  const byConf = new Map()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    if (!/(^|\/)(ceph-mon|ceph-osd|radosgw)$/.test(argv[0] ?? '')) continue
    const conf = argv[argv.indexOf('-c') + 1]
    if (conf) byConf.set(conf, [...(byConf.get(conf) ?? []), Number(pid)])
  }
  for (const [conf, pids] of byConf) {
    try {
      if (readFileSync(conf, 'utf8').includes(`127.0.0.1:${port}`)) return pids
    } catch {}
  }
  return []
}
