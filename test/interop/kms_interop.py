"""nacos-sdk-python v2 (the seed) with KMS enabled, driven by test/integration/kms-python.test.ts.

  python kms_interop.py '<json>'

The JSON names the Nacos server, the KMS endpoint and credentials, a work folder, and steps run in order:
  {"op": "publish", "dataId", "group", "content", "kmsKeyId"?}
  {"op": "get", "dataId", "group", "expect"}      reads until the content is `expect` (reads lag writes), 20 s at most
  {"op": "listen", "dataId", "group"}             adds a listener (its line comes at once: the test then publishes)
  {"op": "await", "dataId", "expect"}             waits until that listener has delivered `expect`, 30 s at most
Prints one JSON line per step: {"op", "dataId", "ok", "content"?, "error"?}.
"""
import asyncio
import json
import sys
import time

from v2.nacos import ClientConfigBuilder, ConfigParam, GRPCConfig, KMSConfig, NacosConfigService


async def main(spec):
    builder = (
        ClientConfigBuilder()
        .server_address(spec["server"])
        .namespace_id("")
        .log_level("WARNING")
        .log_dir(spec["dir"] + "/logs")
        .cache_dir(spec["dir"] + "/cache")
        .grpc_config(GRPCConfig(grpc_timeout=5000))
        .kms_config(KMSConfig(enabled=True, endpoint=spec["kms"], access_key=spec["accessKey"], secret_key=spec["secretKey"]))
    )
    if spec.get("username"):
        builder = builder.username(spec["username"]).password(spec["password"])
    service = await NacosConfigService.create_config_service(builder.build())
    delivered = {}

    async def listener(tenant, group, data_id, content):
        delivered.setdefault(data_id, []).append(content)

    async def until(check, seconds):
        deadline = time.monotonic() + seconds
        while True:
            value = await check()
            if value is not None or time.monotonic() > deadline:
                return value
            await asyncio.sleep(0.2)

    try:
        for step in spec["steps"]:
            op, data_id, group = step["op"], step["dataId"], step.get("group", "DEFAULT_GROUP")
            out = {"op": op, "dataId": data_id}
            try:
                if op == "publish":
                    param = ConfigParam(data_id=data_id, group=group, content=step["content"])
                    if step.get("kmsKeyId"):
                        param.kms_key_id = step["kmsKeyId"]
                    out["ok"] = bool(await service.publish_config(param))
                elif op == "get":
                    async def read():
                        try:
                            content = await service.get_config(ConfigParam(data_id=data_id, group=group))
                        except Exception as error:  # a missing config raises in the seed with KMS on
                            out["last"] = str(error)
                            return None
                        return content if content == step["expect"] else None
                    content = await until(read, 20)
                    out["ok"], out["content"] = content is not None, content
                elif op == "listen":
                    await service.add_listener(data_id, group, listener)
                    out["ok"] = True
                elif op == "await":
                    async def seen():
                        return True if step["expect"] in delivered.get(data_id, []) else None
                    out["ok"] = (await until(seen, 30)) is True
                    out["content"] = delivered.get(data_id, [])
            except Exception as error:
                out["ok"], out["error"] = False, f"{type(error).__name__}: {error}"
            print(json.dumps(out, ensure_ascii=False), flush=True)
    finally:
        await service.shutdown()


asyncio.run(main(json.loads(sys.argv[1])))
