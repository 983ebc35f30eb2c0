# nacos-sdk-python (the seed SDK), its v2 async API, used the way its README says.
import asyncio, json, sys, time
from v2.nacos import ClientConfigBuilder, ConfigParam, NacosConfigService

args = dict(a.split('=', 1) for a in sys.argv[1:])
now = lambda: time.time() * 1000

def report(result):
    print('RESULT ' + json.dumps(result), flush=True)

def latency_of(content):
    try:
        parts = dict(p.split('=', 1) for p in content.split(';'))
        return now() - float(parts['t'])
    except Exception:
        return None

async def main():
    cfg = ClientConfigBuilder().server_address(args['server']).log_level('ERROR').build()
    svc = await NacosConfigService.create_config_service(cfg)
    param = ConfigParam(data_id=args['dataId'], group='DEFAULT_GROUP')
    if args['scenario'] == 'getconfig':
        await svc.get_config(param)
        latencies = []
        deadline = now() + float(args['durationMs'])
        started = now()
        async def worker():
            while now() < deadline:
                t0 = now()
                await svc.get_config(ConfigParam(data_id=args['dataId'], group='DEFAULT_GROUP'))
                latencies.append(now() - t0)
        await asyncio.gather(*[worker() for _ in range(int(args['concurrency']))])
        seconds = (now() - started) / 1000
        s = sorted(latencies)
        report({'opsPerSec': len(s) / seconds, 'p50': s[len(s) // 2], 'p99': s[min(len(s) - 1, int(0.99 * len(s)))], 'ops': len(s)})
    elif args['scenario'] == 'notify':
        latencies = []
        done = asyncio.Event()
        async def listener(tenant, data_id, group, content):
            l = latency_of(content)
            if l is not None:
                latencies.append(l)
            if len(latencies) >= int(args['changes']):
                done.set()
        await svc.add_listener(args['dataId'], 'DEFAULT_GROUP', listener)
        print('READY', flush=True)
        await done.wait()
        report({'latencies': latencies})
    elif args['scenario'] == 'coldstart':
        await svc.get_config(param)
        report({'ok': True})
    await svc.shutdown()

asyncio.run(main())
