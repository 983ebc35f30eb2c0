# nacos-sdk-python (the seed SDK), its v2 async API, used the way its README says.
import asyncio, json, sys, time
from v2.nacos import (ClientConfigBuilder, ConfigParam, NacosConfigService, NacosNamingService,
                      RegisterInstanceParam, SubscribeServiceParam)

args = dict(a.split('=', 1) for a in sys.argv[1:])
now = lambda: time.time() * 1000

def report(result):
    print('RESULT ' + json.dumps(result), flush=True)

def latency_of(content):
    """(seq, ms since the publisher stamped it) for `seq=<n>;t=<epoch ms>`, else None."""
    try:
        parts = dict(p.split('=', 1) for p in content.split(';'))
        return int(parts['seq']), now() - float(parts['t'])
    except Exception:
        return None

async def throughput(op, concurrency, duration_ms):
    """common.mjs's throughput: a warm-up of `warmupMs` (default 1000) whose figures are dropped, then
    `concurrency` workers for `duration_ms`; ops/s and latency quantiles."""
    warmup_ms = float(args.get('warmupMs', 1000))
    if warmup_ms > 0:
        await measure(op, concurrency, warmup_ms)
    return await measure(op, concurrency, duration_ms)

async def measure(op, concurrency, duration_ms):
    latencies = []
    deadline = now() + duration_ms
    started = now()
    async def worker():
        while now() < deadline:
            t0 = now()
            await op()
            latencies.append(now() - t0)
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    seconds = (now() - started) / 1000
    s = sorted(latencies)
    return {'opsPerSec': len(s) / seconds, 'p50': s[len(s) // 2], 'p99': s[min(len(s) - 1, int(0.99 * len(s)))], 'ops': len(s)}

async def config(svc):
    param = ConfigParam(data_id=args['dataId'], group='DEFAULT_GROUP')
    if args['scenario'] == 'getconfig':
        await svc.get_config(param)
        report(await throughput(lambda: svc.get_config(ConfigParam(data_id=args['dataId'], group='DEFAULT_GROUP')),
                                int(args['concurrency']), float(args['durationMs'])))
    elif args['scenario'] == 'notify':
        latencies = []
        done = asyncio.Event()
        async def listener(tenant, data_id, group, content):
            l = latency_of(content)
            if l is None or l[0] == 0:
                return
            latencies.append(l[1])
            # Changes closer together than one read may arrive as one callback: the last one ends the run.
            if l[0] >= int(args['changes']):
                done.set()
        await svc.add_listener(args['dataId'], 'DEFAULT_GROUP', listener)
        print('READY', flush=True)
        await done.wait()
        report({'latencies': latencies})
    elif args['scenario'] == 'coldstart':
        await svc.get_config(param)
        report({'ok': True})

async def naming(svc):
    service = args['serviceName']
    if args['scenario'] == 'listinstances':
        # list_instances(ListInstanceParam(subscribe=False)) only asks the server on its first call, then
        # answers from the cache that call filled; and the SDK's own query (query_instance_of_service) fails
        # against r-nacos, whose QueryServiceResponse carries "message": null. So each call makes the request
        # list_instances makes on a cache miss: a SubscribeServiceRequest answered with the full instance list.
        instances = 0
        async def list_all():
            nonlocal instances
            instances = len((await svc.grpc_client_proxy.do_subscribe(service, 'DEFAULT_GROUP', '')).hosts)
        await list_all()
        result = await throughput(list_all, int(args['concurrency']), float(args['durationMs']))
        report({**result, 'instances': instances})
    elif args['scenario'] == 'subscribe':
        latencies, seen = [], set()
        done = asyncio.Event()
        async def callback(instances):
            for instance in instances:
                seq = instance.metadata.get('seq')
                if seq and seq not in seen:
                    seen.add(seq)
                    latencies.append(now() - float(instance.metadata['t']))
            if len(latencies) >= int(args['changes']):
                done.set()
        await svc.subscribe(SubscribeServiceParam(service_name=service, group_name='DEFAULT_GROUP', subscribe_callback=callback))
        print('READY', flush=True)
        await done.wait()
        report({'latencies': latencies})
    elif args['scenario'] == 'heartbeats':
        k = int(args['instances'])
        t0 = now()
        for i in range(k):
            await svc.register_instance(RegisterInstanceParam(service_name=f'{service}-{i}', group_name='DEFAULT_GROUP',
                                                              ip=f'10.77.{i // 250}.{i % 250 + 1}', port=8080))
        register_ms = now() - t0
        print('READY', flush=True)
        cpu0, w0 = time.process_time(), now()
        await asyncio.sleep(float(args['windowMs']) / 1000)
        report({'cpuPercent': (time.process_time() - cpu0) * 1000 / (now() - w0) * 100, 'registered': k, 'registerMs': register_ms})

async def main():
    cfg = ClientConfigBuilder().server_address(args['server']).log_level('ERROR').build()
    if args['scenario'] in ('listinstances', 'subscribe', 'heartbeats'):
        svc = await NacosNamingService.create_naming_service(cfg)
        await naming(svc)
    else:
        svc = await NacosConfigService.create_config_service(cfg)
        await config(svc)
    await svc.shutdown()

asyncio.run(main())
