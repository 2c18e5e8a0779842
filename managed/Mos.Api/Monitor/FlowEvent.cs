using System.Net;
using System.Runtime.InteropServices;
using Mos.Native;

namespace Mos;

/// <summary>A monitor event as a handler sees it: the per-flow socket, the side and event,
/// and the calls that are valid only inside a callback (peers, states, the flow report,
/// reading the reassembled streams). Valid only during the handler call (a ref struct, so
/// it cannot be stored). Failures throw <see cref="MosException"/>.</summary>
/// <remarks>Buffer naming follows mOS: the <see cref="FlowSide.Client"/> buffer holds what
/// the client RECEIVES (server→client bytes), the <see cref="FlowSide.Server"/> buffer what
/// the server receives (client→server bytes).</remarks>
public readonly unsafe ref struct FlowEvent
{
    private readonly mtcp_context* _m;

    internal FlowEvent(mtcp_context* m, int core, int socket, int side, MonitorEvent ev, MonitorHook hook)
    {
        _m = m;
        Core = core;
        Socket = socket;
        Side = (FlowSide)side;
        Event = ev;
        Hook = hook;
    }

    /// <summary>The core (context) the flow lives on.</summary>
    public int Core { get; }

    /// <summary>The per-flow socket id (reused after the flow ends).</summary>
    public int Socket { get; }

    /// <summary>The side the event concerns: for <see cref="MonitorEvent.NewData"/> and
    /// <see cref="MonitorEvent.Error"/> the side whose buffer has the bytes (the receiver);
    /// for hook events the endpoint whose stack raised it.</summary>
    public FlowSide Side { get; }

    public MonitorEvent Event { get; }

    public MonitorHook Hook { get; }

    private int Check(int rc, string fn) => rc >= 0 ? rc : throw MosException.FromLastError(fn);

    /// <summary>Client and server addresses (<c>mtcp_getpeername</c>, <c>MOS_SIDE_BOTH</c>).</summary>
    public FlowPeers Peers
    {
        get
        {
            var sa = stackalloc sockaddr_in[2];
            uint len = (uint)(2 * sizeof(sockaddr_in));
            Check(Mtcp.mtcp_getpeername(_m, Socket, (sockaddr*)sa, &len, Mtcp.MOS_SIDE_BOTH), "mtcp_getpeername");
            return new FlowPeers(EndPoint(sa[0]), EndPoint(sa[1]));
        }
    }

    private static IPEndPoint EndPoint(in sockaddr_in sa) =>
        new(new IPAddress(sa.sin_addr.s_addr), (ushort)IPAddress.NetworkToHostOrder((short)sa.sin_port));

    /// <summary>The emulated state of one endpoint (<c>MOS_TCP_STATE_CLI/SVR</c>).</summary>
    public TcpState State(FlowSide side)
    {
        int v = 0;
        uint len = sizeof(int);
        int opt = side == FlowSide.Client ? Mtcp.MOS_TCP_STATE_CLI : Mtcp.MOS_TCP_STATE_SVR;
        Check(Mtcp.mtcp_getsockopt(_m, Socket, Mtcp.SOL_MONSOCKET, opt, &v, &len), "mtcp_getsockopt");
        return (TcpState)v;
    }

    /// <summary>The flow's report (<c>MOS_FLOW_INFO</c>); valid in ConnectionEnd too.</summary>
    public FlowInfo Info
    {
        get
        {
            mos_flow_info fi;
            uint len = (uint)sizeof(mos_flow_info);
            Check(Mtcp.mtcp_getsockopt(_m, Socket, Mtcp.SOL_MONSOCKET, Mtcp.MOS_FLOW_INFO, &fi, &len), "mtcp_getsockopt");
            return FlowInfo.From(fi);
        }
    }

    /// <summary>Copies in-order reassembled bytes of <paramref name="receiver"/>'s buffer from
    /// this socket's read offset and advances it (<c>mtcp_peek</c>). A result with
    /// <see cref="PeekResult.Lost"/> &gt; 0 reports bytes skipped (a hole the receiver
    /// acknowledged, or bytes the buffer no longer holds); call again to read on. Read until
    /// <see cref="PeekResult.IsEmpty"/>.</summary>
    public PeekResult Peek(FlowSide receiver, Span<byte> destination)
    {
        nint n;
        fixed (byte* p = destination)
            n = Mtcp.mtcp_peek(_m, Socket, (int)receiver, p, (nuint)destination.Length);
        if (n >= 0)
            return new PeekResult((int)n, 0);
        int errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.ENODATA)
            return new PeekResult(0, -(long)n);
        throw new MosException("mtcp_peek", errno);
    }

    /// <summary>Copies stored bytes of <paramref name="receiver"/>'s buffer from logical
    /// offset <paramref name="offset"/> (0 = first payload byte) up to the end of the
    /// fragment holding it, out-of-order fragments included (<c>mtcp_ppeek</c>); the read
    /// offset does not move. Returns 0 when no byte is stored at that offset.</summary>
    public int PeekAt(FlowSide receiver, ulong offset, Span<byte> destination)
    {
        nint n;
        fixed (byte* p = destination)
            n = Mtcp.mtcp_ppeek(_m, Socket, (int)receiver, p, (nuint)destination.Length, offset);
        if (n >= 0)
            return (int)n;
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errno.ENODATA ? 0 : throw new MosException("mtcp_ppeek", errno);
    }

    /// <summary>A raw value attached to this flow's socket (<c>mtcp_set_uctx</c>), for
    /// example an index into the application's own table; 0 until set.</summary>
    public nint UserContext
    {
        get => (nint)Mtcp.mtcp_get_uctx(_m, Socket);
        set => Mtcp.mtcp_set_uctx(_m, Socket, (void*)value);
    }

    /// <summary>The packet being processed (<c>mtcp_getlastpkt</c>); false when there is
    /// none (NewData, ConnectionEnd at teardown, timers, and state changes at teardown).</summary>
    public bool TryGetPacket(out PacketInfo packet)
    {
        pkt_info p;
        if (Mtcp.mtcp_getlastpkt(_m, Socket, (int)Side, &p) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            packet = default;
            return errno == Errno.ENODATA ? false : throw new MosException("mtcp_getlastpkt", errno);
        }
        packet = new PacketInfo(p.cur_ts, p.in_ifidx, p.eth_len, p.ip_len, p.offset, p.payloadlen, p.seq, p.ack_seq, p.window);
        return true;
    }

    /// <summary>Resizes <paramref name="receiver"/>'s buffer of this flow now (rounded up to
    /// 1 KiB; 0 disables it; shrinking drops the oldest bytes).</summary>
    public void SetBufferSize(FlowSide receiver, int bytes) =>
        SetInt(receiver == FlowSide.Client ? Mtcp.MOS_CLIBUF : Mtcp.MOS_SVRBUF, bytes);

    /// <summary>Stops monitoring one side of this flow, or both (null).</summary>
    public void StopMonitoring(FlowSide? side) => SetInt(Mtcp.MOS_STOP_MON, side is { } s ? (int)s : Mtcp.MOS_SIDE_BOTH);

    /// <summary>The context's loop time in microseconds (<c>mtcp_cb_get_ts</c>; millisecond
    /// resolution, wraps after about 71.6 minutes).</summary>
    public uint TimestampUs => Mtcp.mtcp_cb_get_ts(_m);

    private void SetInt(int opt, int value) =>
        Check(Mtcp.mtcp_setsockopt(_m, Socket, Mtcp.SOL_MONSOCKET, opt, &value, sizeof(int)), "mtcp_setsockopt");
}
