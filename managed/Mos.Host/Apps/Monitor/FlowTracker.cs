using System.Net;

namespace Mos.Host.Apps.Monitor;

/// <summary>One connection as the monitor apps report it.</summary>
internal sealed class FlowRecord(long id, int core, IPEndPoint client, IPEndPoint server)
{
    /// <summary>0-based, in the order connections appeared (across cores).</summary>
    public long Id { get; } = id;

    public int Core { get; } = core;

    public IPEndPoint Client { get; } = client;

    public IPEndPoint Server { get; } = server;

    /// <summary>The client's state after the latest packet (state changes at teardown,
    /// such as the CLOSED of the end of a replay, are not applied).</summary>
    public TcpState ClientState { get; set; }

    /// <summary>The server's state after the latest packet.</summary>
    public TcpState ServerState { get; set; }

    /// <summary>The flow report taken at its end; null while open.</summary>
    public FlowInfo? Final { get; set; }

    /// <summary>How it ended; None while open. The monitor's reason, except that a
    /// connection whose closing handshake had completed (FIN sent both ways, each side
    /// CLOSED or TIME_WAIT at its last packet) and that only lingered in TIME_WAIT counts as
    /// <see cref="FlowEnd.Fin"/> when the monitor ended it for another reason (end of the
    /// replay, a new SYN reusing the 4-tuple, eviction, idle timeout).</summary>
    public FlowEnd End => Final is not { } i ? FlowEnd.None
        : i.End is FlowEnd.Shutdown or FlowEnd.Reused or FlowEnd.Evicted or FlowEnd.Timeout && Closed(ClientState)
          && Closed(ServerState) && i.Client.SentFin && i.Server.SentFin ? FlowEnd.Fin : i.End;

    private static bool Closed(TcpState s) => s is TcpState.Closed or TcpState.TimeWait;

    /// <summary>Bytes an app wrote for the client → server direction (flowdump).</summary>
    public long StreamBytesC2s { get; set; }

    /// <summary>Bytes an app wrote for the server → client direction (flowdump).</summary>
    public long StreamBytesS2c { get; set; }
}

/// <summary>What an app does with a tracked connection's events (on the core's thread).</summary>
internal interface IFlowObserver
{
    void OnStart(FlowRecord flow, FlowEvent e);

    /// <summary>New bytes are readable in <see cref="FlowEvent.Side"/>'s buffer (NewData), or
    /// the buffer is about to be outrun (Error).</summary>
    void OnData(FlowRecord flow, FlowEvent e);

    /// <summary>The connection ends (<see cref="FlowRecord.Final"/> is set; the buffers can
    /// still be read).</summary>
    void OnEnd(FlowRecord flow, FlowEvent e);
}

/// <summary>Tracks the connections of one core's monitor socket: who they are, each side's
/// state at its latest packet, and how they ended. Handlers run on the core's thread; the
/// table can be read from any thread (<see cref="Snapshot"/>).</summary>
internal sealed class FlowTracker(int core, Func<long> nextId, IFlowObserver? observer, bool keepEnded)
{
    private readonly Dictionary<int, FlowRecord> _open = new(); // by per-flow socket id
    private readonly List<FlowRecord> _ended = new();
    private readonly object _lock = new();

    /// <summary>Registers the tracker's handlers on <paramref name="s"/>. CONN_START and
    /// STATE_CHANGE come at both hooks (the sender's and the receiver's); CONN_END once per
    /// side at the send hook (the first one ends the record).</summary>
    public void Attach(MonitorSocket s, bool readData)
    {
        s.On(MonitorEvent.ConnectionStart, MonitorHook.Send, OnStart);
        s.On(MonitorEvent.ConnectionStart, MonitorHook.Receive, OnStart);
        s.On(MonitorEvent.StateChange, MonitorHook.Send, OnStateChange);
        s.On(MonitorEvent.StateChange, MonitorHook.Receive, OnStateChange);
        s.On(MonitorEvent.ConnectionEnd, MonitorHook.Send, OnEnd);
        if (!readData)
            return;
        s.On(MonitorEvent.NewData, MonitorHook.None, OnData);
        s.On(MonitorEvent.Error, MonitorHook.None, OnData);
    }

    /// <summary>The connections open now (any thread).</summary>
    public List<FlowRecord> Snapshot()
    {
        lock (_lock)
            return _open.Values.OrderBy(f => f.Id).ToList();
    }

    /// <summary>Every connection that ended (when created with keepEnded), then the open ones.</summary>
    public List<FlowRecord> All()
    {
        lock (_lock)
            return _ended.Concat(_open.Values).OrderBy(f => f.Id).ToList();
    }

    private FlowRecord? Find(int socket)
    {
        lock (_lock)
            return _open.GetValueOrDefault(socket);
    }

    private void OnStart(FlowEvent e)
    {
        if (Find(e.Socket) is not null)
            return; // the other hook of the same first packet
        var peers = e.Peers;
        var flow = new FlowRecord(nextId(), core, peers.Client, peers.Server)
        {
            ClientState = e.State(FlowSide.Client),
            ServerState = e.State(FlowSide.Server),
        };
        lock (_lock)
            _open[e.Socket] = flow;
        observer?.OnStart(flow, e);
    }

    private void OnStateChange(FlowEvent e)
    {
        // A change without a current packet is the teardown (CLOSED with CONN_END): the
        // report keeps the states the last packet left.
        if (Find(e.Socket) is not { } flow || !e.TryGetPacket(out _))
            return;
        flow.ClientState = e.State(FlowSide.Client);
        flow.ServerState = e.State(FlowSide.Server);
    }

    private void OnData(FlowEvent e)
    {
        if (Find(e.Socket) is { } flow)
            observer?.OnData(flow, e);
    }

    private void OnEnd(FlowEvent e)
    {
        FlowRecord? flow;
        lock (_lock)
        {
            if (!_open.Remove(e.Socket, out flow))
                return; // the other side's CONN_END of a flow already reported
        }
        flow.Final = e.Info;
        observer?.OnEnd(flow, e);
        if (!keepEnded)
            return;
        lock (_lock)
            _ended.Add(flow);
    }
}
