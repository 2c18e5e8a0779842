using Mos.Native;

namespace Mos;

/// <summary>Settings applied when a <see cref="MonitorSocket"/> is created; null keeps the
/// stack's default. Buffer sizes are per receiving side: <see cref="ClientBufferBytes"/> is
/// the buffer of what the client receives (server→client bytes).</summary>
public sealed record MonitorOptions
{
    /// <summary>Pick up connections already in progress (default: off, as mOS 0.3).</summary>
    public MidstreamMode? Midstream { get; init; }

    /// <summary>Monitor packets with wrong IPv4/TCP checksums (capture files of hosts with
    /// checksum offload). Applies to the whole context.</summary>
    public bool? IgnoreChecksums { get; init; }

    /// <summary><c>MOS_CLIBUF</c>: bytes of the buffer of what the client receives (0 disables).</summary>
    public int? ClientBufferBytes { get; init; }

    /// <summary><c>MOS_SVRBUF</c>: bytes of the buffer of what the server receives (0 disables).</summary>
    public int? ServerBufferBytes { get; init; }

    /// <summary>Overlap policy of both buffers.</summary>
    public OverlapPolicy? Overlap { get; init; }

    /// <summary>tcpdump expression a new flow's first packet must match to be attached.</summary>
    public string? SynFilter { get; init; }

    /// <summary>tcpdump expression selecting the orphan packets this socket sees.</summary>
    public string? OrphanFilter { get; init; }
}

/// <summary>A passive monitor socket (<c>MOS_SOCK_MONITOR_STREAM</c>) of one context: a
/// template for every flow it attaches to. Settings and handlers apply to flows created
/// afterwards. Handlers run on the thread driving the context (see
/// <see cref="FlowEventHandler"/>); registration and settings may be changed from any
/// thread while traffic runs. One managed handler per context, hook and event (see
/// <see cref="On"/>).</summary>
public sealed unsafe class MonitorSocket : IDisposable
{
    private readonly Context _ctx;
    private readonly MonitorBridge _bridge;

    private MonitorSocket(Context ctx, int id)
    {
        _ctx = ctx;
        Id = id;
        _bridge = MonitorBridge.For(ctx);
    }

    /// <summary>The socket id.</summary>
    public int Id { get; private set; }

    internal static MonitorSocket Create(Context ctx, MonitorOptions? options)
    {
        int id = MosException.Check(Mtcp.mtcp_socket(ctx.Handle, 2 /* AF_INET */, Mtcp.MOS_SOCK_MONITOR_STREAM, 0), "mtcp_socket");
        var s = new MonitorSocket(ctx, id);
        try
        {
            s.Apply(options ?? new MonitorOptions());
        }
        catch
        {
            s.Dispose();
            throw;
        }
        return s;
    }

    private void Apply(MonitorOptions o)
    {
        if (o.Midstream is { } m)
            Midstream = m;
        if (o.IgnoreChecksums is { } c)
            IgnoreChecksums = c;
        if (o.ClientBufferBytes is { } cb)
            SetBufferSize(FlowSide.Client, cb);
        if (o.ServerBufferBytes is { } sb)
            SetBufferSize(FlowSide.Server, sb);
        if (o.Overlap is { } p)
        {
            SetOverlapPolicy(FlowSide.Client, p);
            SetOverlapPolicy(FlowSide.Server, p);
        }
        if (o.SynFilter is not null || o.OrphanFilter is not null)
            SetFilters(o.SynFilter, o.OrphanFilter);
    }

    private mtcp_context* Ctx => Id >= 0 ? _ctx.Handle : throw new ObjectDisposedException(nameof(MonitorSocket));

    private void SetInt(int opt, int value) =>
        MosException.Check(Mtcp.mtcp_setsockopt(Ctx, Id, Mtcp.SOL_MONSOCKET, opt, &value, sizeof(int)), "mtcp_setsockopt");

    /// <summary>Mid-stream pickup for new flows (<c>MOS_MIDSTREAM</c>).</summary>
    public MidstreamMode Midstream
    {
        get
        {
            int v = 0;
            uint len = sizeof(int);
            MosException.Check(Mtcp.mtcp_getsockopt(Ctx, Id, Mtcp.SOL_MONSOCKET, Mtcp.MOS_MIDSTREAM, &v, &len), "mtcp_getsockopt");
            return (MidstreamMode)v;
        }
        set => SetInt(Mtcp.MOS_MIDSTREAM, (int)value);
    }

    /// <summary>Monitor packets with wrong checksums (<c>MOS_NO_CHECKSUM</c>, context-wide
    /// while any socket sets it).</summary>
    public bool IgnoreChecksums
    {
        set => SetInt(Mtcp.MOS_NO_CHECKSUM, value ? 1 : 0);
    }

    /// <summary>Buffer of what <paramref name="receiver"/> receives, for new flows
    /// (<c>MOS_CLIBUF</c>/<c>MOS_SVRBUF</c>; 0 disables reading that direction).</summary>
    public void SetBufferSize(FlowSide receiver, int bytes) =>
        SetInt(receiver == FlowSide.Client ? Mtcp.MOS_CLIBUF : Mtcp.MOS_SVRBUF, bytes);

    /// <summary>Overlap policy of <paramref name="receiver"/>'s buffer for new flows.</summary>
    public void SetOverlapPolicy(FlowSide receiver, OverlapPolicy policy)
    {
        byte v = (byte)policy;
        int opt = receiver == FlowSide.Client ? Mtcp.MOS_CLIOVERLAP : Mtcp.MOS_SVROVERLAP;
        MosException.Check(Mtcp.mtcp_setsockopt(Ctx, Id, Mtcp.SOL_MONSOCKET, opt, &v, 1), "mtcp_setsockopt");
    }

    /// <summary>Stops monitoring one side (or both, null) of flows created afterwards.</summary>
    public void StopMonitoring(FlowSide? side) => SetInt(Mtcp.MOS_STOP_MON, side is { } s ? (int)s : Mtcp.MOS_SIDE_BOTH);

    /// <summary>Sets the SYN filter (which new flows attach) and the orphan filter
    /// (<c>mtcp_bind_monitor_filter</c>, tcpdump syntax; null: none).</summary>
    public void SetFilters(string? synFilter, string? orphanFilter)
    {
        byte[]? syn = synFilter is null ? null : NativeText.Utf8Z(synFilter);
        byte[]? orphan = orphanFilter is null ? null : NativeText.Utf8Z(orphanFilter);
        fixed (byte* ps = syn)
        fixed (byte* po = orphan)
        {
            var f = new monitor_filter { stream_syn_filter = ps, stream_orphan_filter = po };
            if (Mtcp.mtcp_bind_monitor_filter(Ctx, Id, &f) != 0)
                throw MosException.FromLastError("mtcp_bind_monitor_filter", $"syn '{synFilter}', orphan '{orphanFilter}'");
        }
    }

    /// <summary>Calls <paramref name="handler"/> for <paramref name="ev"/> at
    /// <paramref name="hook"/> on every flow attached afterwards. Valid pairs: at
    /// <see cref="MonitorHook.None"/> NewData, Error, Orphan; at Send/Receive PacketIn,
    /// ConnectionStart, StateChange, Retransmit, ConnectionEnd. A second registration of the
    /// same (event, hook) on this socket replaces the first. Throws
    /// <see cref="InvalidOperationException"/> when another socket of the context has a
    /// different handler for the same (event, hook).</summary>
    public void On(MonitorEvent ev, MonitorHook hook, FlowEventHandler handler) =>
        _bridge.Register(Ctx, Id, ev, hook, handler);

    /// <summary>Removes the handler of (event, hook) from this socket.</summary>
    public void Off(MonitorEvent ev, MonitorHook hook) => _bridge.Unregister(Ctx, Id, ev, hook);

    /// <summary>Closes the socket: no new flow attaches; flows already attached keep their
    /// handlers until they end.</summary>
    public void Dispose()
    {
        if (Id < 0)
            return;
        Mtcp.mtcp_close(_ctx.Handle, Id);
        _bridge.UnregisterAll(Id);
        Id = -1;
    }
}
