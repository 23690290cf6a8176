import net from 'node:net';

/** A TCP relay to Temporal, so an API loses Temporal for real while it keeps running. */
export interface Relay {
  address: string;
  /** Closes every connection and stops listening: calls fail at once (connection refused). */
  cut(): Promise<void>;
  /**
   * Keeps every connection open but passes nothing on, as a frozen server or a network that drops
   * packets would: calls get no answer at all, and only a deadline ends them.
   */
  freeze(): void;
}

export async function relay(address: string): Promise<Relay> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();
  let frozen = false;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy()).on('close', () => sockets.delete(socket));
    // Frozen: accepted, and never answered.
    if (frozen) return;
    const upstream = net.connect(port, host);
    const drop = () => {
      socket.destroy();
      upstream.destroy();
    };
    sockets.add(upstream);
    for (const s of [socket, upstream]) {
      s.on('error', drop).on('close', () => {
        sockets.delete(s);
        drop();
      });
    }
    pairs.add([socket, upstream]);
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut: async () => {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
    freeze: () => {
      frozen = true;
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        // Read nothing more: what is sent stays in the kernel's buffers, unanswered.
        a.pause();
        b.pause();
      }
    },
  };
}
