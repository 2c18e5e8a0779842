using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Mos.Native;

namespace Mos;

/// <summary>Capabilities of a port.</summary>
[Flags]
public enum PortCaps : uint
{
    None = 0,
    RxIpChecksum = Mtcp.MOS_PORT_RX_IP_CSUM,
    RxL4Checksum = Mtcp.MOS_PORT_RX_L4_CSUM,
    TxIpChecksum = Mtcp.MOS_PORT_TX_IP_CSUM,
    TxTcpChecksum = Mtcp.MOS_PORT_TX_TCP_CSUM,
    Rss = Mtcp.MOS_PORT_RSS,
    RssHash = Mtcp.MOS_PORT_RSS_HASH,
    Transmit = Mtcp.MOS_PORT_TX,
    VlanStrip = Mtcp.MOS_PORT_VLAN_STRIP,
}

/// <summary>A port of the running stack.</summary>
public sealed record PortInfo(int Index, string Name, string Device, string Driver, string Mac,
    bool LinkUp, IPAddress? Address, int PrefixLength, uint SpeedMbps, int Mtu, int RxQueues,
    int TxQueues, PortCaps Caps, int RetaSize, byte[] RssKey);

/// <summary>Traffic counters of a port.</summary>
public readonly record struct PortCounters(ulong RxPackets, ulong RxBytes, ulong TxPackets,
    ulong TxBytes, ulong TxErrors, ulong Drops, ulong RxMissed, ulong Forwarded);

/// <summary>The stack of this process (the one mtcp_init instance): ports, counters and
/// per-core contexts. Start it once; dispose it to stop everything.</summary>
public sealed unsafe class Stack : IDisposable
{
    private readonly List<Context> _contexts = new();
    private bool _disposed;

    private Stack() { }

    /// <summary>Starts the ports described by <paramref name="config"/> (copied). With
    /// <paramref name="handleSignals"/> false the caller handles SIGINT/SIGTERM and calls
    /// <see cref="Stop"/>.</summary>
    public static Stack Start(Configuration config, bool handleSignals = false)
    {
        uint flags = handleSignals ? 0u : (uint)Mtcp.MOS_INIT_NO_SIGNALS;
        if (Mtcp.mos_init_config(config.Pointer, flags) != 0)
            throw MosException.FromLastError("mos_init_config", "the reason is printed above");
        return new Stack();
    }

    /// <summary>Starts a context on <paramref name="core"/>: a stack thread pinned to it, or
    /// with <paramref name="runToCompletion"/> a context the calling thread drives with
    /// <see cref="Context.Poll"/>.</summary>
    public Context CreateContext(int core, bool runToCompletion = false)
    {
        mtcp_context* m = Mtcp.mos_create_context(core, runToCompletion ? (uint)Mtcp.MOS_CONTEXT_RUN_TO_COMPLETION : 0u);
        if (m == null)
            throw MosException.FromLastError("mos_create_context");
        var c = new Context(m, core);
        _contexts.Add(c);
        return c;
    }

    /// <summary>Asks every context to leave its loop (async-signal-safe in C).</summary>
    public void Stop() => Mtcp.mos_stop();

    /// <summary>The configured ports.</summary>
    public IReadOnlyList<PortInfo> Ports
    {
        get
        {
            int n = MosException.Check(Mtcp.mos_port_count(), "mos_port_count");
            var list = new List<PortInfo>(n);
            for (int i = 0; i < n; i++)
                list.Add(GetPort(i));
            return list;
        }
    }

    private static PortInfo GetPort(int i)
    {
        mos_port_info p;
        MosException.Check(Mtcp.mos_port_info(i, &p), "mos_port_info");
        string mac = string.Join(':', new ReadOnlySpan<byte>(p.mac, 6).ToArray().Select(b => b.ToString("x2")));
        IPAddress? ip = p.ip == 0 ? null : new IPAddress(p.ip);
        return new PortInfo(i, Text(p.name, 32), Text(p.device, 64), Text(p.driver, 32), mac,
            p.link_up != 0, ip, p.prefix_len, p.speed_mbps, p.mtu, p.rx_queues, p.tx_queues,
            (PortCaps)p.caps, p.reta_size, new ReadOnlySpan<byte>(p.rss_key, p.rss_key_len).ToArray());
    }

    private static string Text(byte* p, int max)
    {
        var span = new ReadOnlySpan<byte>(p, max);
        int n = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(n < 0 ? span : span[..n]);
    }

    /// <summary>Counters of a port on one core, or on all cores (core -1).</summary>
    public PortCounters Counters(int port, int core = -1)
    {
        mos_port_counters c;
        MosException.Check(Mtcp.mos_port_counters(port, core, &c), "mos_port_counters");
        return new PortCounters(c.rx_packets, c.rx_bytes, c.tx_packets, c.tx_bytes, c.tx_errors,
            c.drops, c.rx_missed, c.forwarded);
    }

    /// <summary>Drop counts of a port by reason name (only reasons with a count).</summary>
    public IReadOnlyDictionary<string, ulong> Drops(int port, int core = -1)
    {
        int n = Mtcp.mos_drop_reason_count();
        var counts = new ulong[n];
        fixed (ulong* pc = counts)
            MosException.Check(Mtcp.mos_port_drops(port, core, pc, n), "mos_port_drops");
        var result = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        for (int r = 1; r < n; r++)
        {
            if (counts[r] != 0)
                result[NativeText.FromUtf8(Mtcp.mos_drop_reason_name(r)) ?? $"reason{r}"] = counts[r];
        }
        return result;
    }

    /// <summary>Every drop reason name the stack can count.</summary>
    public static IReadOnlyList<string> DropReasonNames()
    {
        int n = Mtcp.mos_drop_reason_count();
        var list = new List<string>(n);
        for (int r = 1; r < n; r++)
            list.Add(NativeText.FromUtf8(Mtcp.mos_drop_reason_name(r)) ?? "");
        return list;
    }

    /// <summary>Stops and destroys every context, then the ports (mtcp_destroy).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Stop();
        foreach (var c in _contexts)
            c.Dispose();
        _contexts.Clear();
        if (Mtcp.mtcp_destroy() != 0)
            throw MosException.FromLastError("mtcp_destroy");
    }
}

/// <summary>One per-core stack context.</summary>
public sealed unsafe class Context : IDisposable
{
    private mtcp_context* _m;

    internal Context(mtcp_context* m, int core)
    {
        _m = m;
        Core = core;
    }

    /// <summary>The core (context index).</summary>
    public int Core { get; }

    /// <summary>The native context, for calls that take it (valid until disposed).</summary>
    internal mtcp_context* Handle => _m != null ? _m : throw new ObjectDisposedException(nameof(Context));

    /// <summary>A new end-host TCP socket on this context.</summary>
    public TcpSocket CreateTcpSocket() => TcpSocket.Create(this);

    /// <summary>A new epoll instance on this context for up to <paramref name="size"/> sockets.</summary>
    public Epoll CreateEpoll(int size = 4096) => Epoll.Create(this, size);

    /// <summary>Drives a run-to-completion context for up to <paramref name="timeoutMs"/>
    /// (0: one iteration; -1: until stopped, or until every capture file has been replayed).
    /// Returns the frames received; false when the context stopped. Monitor handlers run
    /// inside this call; an exception one threw is rethrown here.</summary>
    public bool Poll(int timeoutMs, out int frames)
    {
        frames = Mtcp.mos_poll(_m, timeoutMs);
        int errno = Marshal.GetLastPInvokeError();
        MonitorBridge.ThrowIfFailed(_m); // a monitor handler threw (and stopped the stack)
        if (frames >= 0)
            return true;
        if (errno == Errno.EINTR)
            return false;
        throw new MosException("mos_poll", errno);
    }

    /// <summary>Waits until the context's loop ends (mtcp_app_join).</summary>
    public void Join()
    {
        Mtcp.mtcp_app_join(_m);
        MonitorBridge.ThrowIfFailed(_m);
    }

    public void Dispose()
    {
        if (_m == null)
            return;
        Mtcp.mtcp_destroy_context(_m);
        MonitorBridge.Release(_m);
        _m = null;
    }
}
