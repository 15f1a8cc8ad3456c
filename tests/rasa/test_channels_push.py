"""GuardedSocketIOInput.push (channels/sio.py): a server-side feature (e.g. an operator taking over
a web conversation, issue 15) speaks into a live widget session. The channel runs in a real Sanic
server on a free loopback port, the widget side is a real python-socketio client."""
from __future__ import annotations

import asyncio
import uuid

import socketio
from sanic import Sanic

from channels import hooks
from channels.sio import GuardedSocketIOInput
from devtools.net import free_port


def test_push_reaches_the_sockets_of_a_session_only():
    async def scenario():
        app = Sanic(f"push_test_{uuid.uuid4().hex[:8]}")
        channel = GuardedSocketIOInput.from_credentials({"session_persistence": True})

        async def rasa(message):  # not reached: this test only pushes
            raise AssertionError(message)

        app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/socketio")
        assert hooks.SOCKETIO is channel
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        await server.start_serving()
        clients = []
        try:
            queues = []
            for session in ("sesi-a", "sesi-a", "sesi-b"):
                client = socketio.AsyncClient(reconnection=False)
                q: asyncio.Queue = asyncio.Queue()
                client.on("bot_uttered", q.put_nowait)
                client.on("session_confirm", lambda sid, q=q: q.put_nowait({"confirm": sid}))
                await client.connect(f"http://127.0.0.1:{port}", socketio_path="/socket.io",
                                     transports=["websocket"])
                await client.emit("session_request", {"session_id": session})
                assert await asyncio.wait_for(q.get(), 10) == {"confirm": session}
                clients.append(client)
                queues.append(q)
            message = {"text": "Petugas: laporan Anda sedang kami tangani.",
                       "buttons": [{"title": "Terima kasih", "payload": "terima kasih"}]}
            assert await channel.push("sesi-a", [message]) == 2
            for q in queues[:2]:
                got = await asyncio.wait_for(q.get(), 10)
                assert got["text"] == message["text"]
                assert got["quick_replies"][0]["payload"] == "terima kasih"
            await asyncio.sleep(0.3)
            assert queues[2].empty()                      # another session hears nothing
            assert await channel.push("sesi-x", [message]) == 0
            await clients[0].disconnect()
            await asyncio.sleep(0.5)
            assert channel.sockets("sesi-a") == [clients[1].get_sid()]
        finally:
            for client in clients:
                if client.connected:
                    await client.disconnect()
            server.close()
            await server.wait_closed()

    asyncio.run(scenario())
