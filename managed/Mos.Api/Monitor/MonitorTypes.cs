using System.Net;
using Mos.Native;

namespace Mos;

/// <summary>Built-in monitor events (mOS <c>MOS_ON_*</c> bits).</summary>
public enum MonitorEvent : ulong
{
    /// <summary>A packet arrived (at <see cref="MonitorHook.Send"/> or <see cref="MonitorHook.Receive"/>).</summary>
    PacketIn = Mtcp.MOS_ON_PKT_IN,
    /// <summary>A connection appeared: an endpoint entered the handshake, or the flow was
    /// picked up mid-stream. Comes at both hooks (register both to see every flow).</summary>
    ConnectionStart = Mtcp.MOS_ON_CONN_START,
    /// <summary>New in-order bytes are readable (<see cref="MonitorHook.None"/>; once per
    /// flow and side per receive burst).</summary>
    NewData = Mtcp.MOS_ON_CONN_NEW_DATA,
    /// <summary>Data beyond the receive window, or a buffer about to be outrun: read now
    /// (<see cref="MonitorHook.None"/>).</summary>
    Error = Mtcp.MOS_ON_ERROR,
    /// <summary>An endpoint's emulated TCP state changed.</summary>
    StateChange = Mtcp.MOS_ON_TCP_STATE_CHANGE,
    /// <summary>A TCP packet of no monitored flow (<see cref="MonitorHook.None"/>).</summary>
    Orphan = Mtcp.MOS_ON_ORPHAN,
    /// <summary>Retransmitted payload, SYN, SYN/ACK or FIN.</summary>
    Retransmit = Mtcp.MOS_ON_REXMIT,
    /// <summary>The flow is about to be destroyed (once per monitored side at each hook).</summary>
    ConnectionEnd = Mtcp.MOS_ON_CONN_END,
}

/// <summary>Where an event is raised (mOS hook points).</summary>
public enum MonitorHook : uint
{
    /// <summary><c>MOS_NULL</c>: not tied to one endpoint's stack (NewData, Error, Orphan).</summary>
    None = Mtcp.MOS_NULL,
    /// <summary><c>MOS_HK_RCV</c>: after the receiving endpoint's emulated stack.</summary>
    Receive = Mtcp.MOS_HK_RCV,
    /// <summary><c>MOS_HK_SND</c>: after the sending endpoint's emulated stack.</summary>
    Send = Mtcp.MOS_HK_SND,
}

/// <summary>An endpoint of a monitored connection. The client sent the first SYN (or, when
/// picked up mid-stream, was chosen by <see cref="MidstreamMode"/>).</summary>
public enum FlowSide
{
    Client = Mtcp.MOS_SIDE_CLI,
    Server = Mtcp.MOS_SIDE_SVR,
}

/// <summary>Emulated TCP endpoint states (<c>enum tcpstate</c>).</summary>
public enum TcpState
{
    Closed = Mtcp.TCP_CLOSED,
    Listen = Mtcp.TCP_LISTEN,
    SynSent = Mtcp.TCP_SYN_SENT,
    SynReceived = Mtcp.TCP_SYN_RCVD,
    Established = Mtcp.TCP_ESTABLISHED,
    FinWait1 = Mtcp.TCP_FIN_WAIT_1,
    FinWait2 = Mtcp.TCP_FIN_WAIT_2,
    CloseWait = Mtcp.TCP_CLOSE_WAIT,
    Closing = Mtcp.TCP_CLOSING,
    LastAck = Mtcp.TCP_LAST_ACK,
    TimeWait = Mtcp.TCP_TIME_WAIT,
}

/// <summary>Why a monitored flow ended (<c>enum mos_flow_end</c>).</summary>
public enum FlowEnd
{
    /// <summary>Still open.</summary>
    None = Mtcp.MOS_FLOW_END_NONE,
    /// <summary>Both endpoints closed (FIN handshakes, TIME_WAIT).</summary>
    Fin = Mtcp.MOS_FLOW_END_FIN,
    /// <summary>An acceptable RST.</summary>
    Rst = Mtcp.MOS_FLOW_END_RST,
    /// <summary>Idle for <c>tcp_timeout</c>.</summary>
    Timeout = Mtcp.MOS_FLOW_END_TIMEOUT,
    /// <summary>The flow table was full and this flow was the least recently active.</summary>
    Evicted = Mtcp.MOS_FLOW_END_EVICTED,
    /// <summary>A new SYN with another ISN reused the 4-tuple.</summary>
    Reused = Mtcp.MOS_FLOW_END_REUSED,
    /// <summary>Ended by <see cref="MonitorContextExtensions.FlushMonitor"/> (end of a replay):
    /// still open when monitoring stopped.</summary>
    Shutdown = Mtcp.MOS_FLOW_END_SHUTDOWN,
    /// <summary>No socket id was left for the flow.</summary>
    NoMemory = Mtcp.MOS_FLOW_END_NOMEM,
}

/// <summary>Mid-stream pickup of connections already in progress (<c>MOS_MIDSTREAM</c>).</summary>
public enum MidstreamMode
{
    /// <summary>mOS 0.3: only a client SYN creates a flow; other packets are orphans.</summary>
    Off = Mtcp.MOS_MIDSTREAM_OFF,
    /// <summary>Any packet but a RST creates a flow; without a SYN the lower port class is
    /// the server.</summary>
    Ports = Mtcp.MOS_MIDSTREAM_PORTS,
    /// <summary>Any packet but a RST creates a flow; without a SYN the sender of the first
    /// packet is the client (tshark's rule).</summary>
    First = Mtcp.MOS_MIDSTREAM_FIRST,
}

/// <summary>Which copy of re-sent bytes a reassembly buffer keeps.</summary>
public enum OverlapPolicy : byte
{
    /// <summary>The bytes stored first (default; tshark's rule).</summary>
    First = Mtcp.MOS_OVERLAP_POLICY_FIRST,
    /// <summary>The newest copy (tcpflow's rule).</summary>
    Last = Mtcp.MOS_OVERLAP_POLICY_LAST,
}

/// <summary>One endpoint's part of a flow: what this endpoint SENT.</summary>
/// <param name="Packets">Packets sent.</param>
/// <param name="Bytes">TCP payload bytes sent, retransmissions included.</param>
/// <param name="RetransmittedBytes">Payload bytes below the highest sequence number sent before.</param>
/// <param name="ConflictBytes">Re-sent bytes whose content differed from the first copy.</param>
/// <param name="MissingBytes">Bytes of this direction never seen (holes the receiver
/// acknowledged, also at the end of the flow).</param>
/// <param name="StreamBytes">Readable stream length (offset of the readable end).</param>
/// <param name="Isn">Initial sequence number (the first one seen when picked up mid-stream).</param>
/// <param name="State">This endpoint's emulated state.</param>
/// <param name="SentSyn">This endpoint sent a SYN.</param>
/// <param name="SentFin">This endpoint sent a FIN.</param>
/// <param name="SentRst">This endpoint sent a RST.</param>
public readonly record struct FlowSideInfo(ulong Packets, ulong Bytes, ulong RetransmittedBytes,
    ulong ConflictBytes, ulong MissingBytes, ulong StreamBytes, uint Isn, TcpState State,
    bool SentSyn, bool SentFin, bool SentRst)
{
    internal static FlowSideInfo From(in mos_flow_side_info s) => new(s.packets, s.bytes, s.rexmit_bytes,
        s.conflict_bytes, s.missing_bytes, s.stream_bytes, s.isn, (TcpState)s.state, s.syn != 0, s.fin != 0, s.rst != 0);
}

/// <summary>The report of one flow (<c>MOS_FLOW_INFO</c>).</summary>
/// <param name="FlowId">Per context, increasing from 1.</param>
/// <param name="FirstNs">Time of the first packet in nanoseconds since the Unix epoch
/// (capture time in replays).</param>
/// <param name="LastNs">Time of the latest packet.</param>
/// <param name="End">Why the flow ended; <see cref="FlowEnd.None"/> while open.</param>
/// <param name="Midstream">Picked up without seeing the client's SYN.</param>
/// <param name="Client">What the client sent.</param>
/// <param name="Server">What the server sent.</param>
public sealed record FlowInfo(ulong FlowId, ulong FirstNs, ulong LastNs, FlowEnd End, bool Midstream,
    FlowSideInfo Client, FlowSideInfo Server)
{
    internal static FlowInfo From(in mos_flow_info f) => new(f.flow_id, f.first_ns, f.last_ns,
        (FlowEnd)f.end_reason, (f.flags & (uint)Mtcp.MOS_FLOW_MIDSTREAM) != 0,
        FlowSideInfo.From(f.side[Mtcp.MOS_SIDE_CLI]), FlowSideInfo.From(f.side[Mtcp.MOS_SIDE_SVR]));
}

/// <summary>The two endpoints of a monitored flow.</summary>
public readonly record struct FlowPeers(IPEndPoint Client, IPEndPoint Server);

/// <summary>Result of <see cref="FlowEvent.Peek"/>: bytes copied, or bytes lost (a hole the
/// receiver acknowledged, or data the buffer no longer holds) that reading skipped. Both 0:
/// nothing new.</summary>
public readonly record struct PeekResult(int Copied, long Lost)
{
    /// <summary>Nothing more to read now.</summary>
    public bool IsEmpty => Copied == 0 && Lost == 0;
}

/// <summary>Metadata of the packet a callback is looking at (<c>mtcp_getlastpkt</c>).</summary>
/// <param name="TimestampMs">Receive time in milliseconds (the context's clock).</param>
/// <param name="FrameLength">Ethernet frame length.</param>
/// <param name="IpLength">IPv4 total length.</param>
/// <param name="InputPort">Input port index, -1 when generated locally.</param>
/// <param name="Offset">Logical offset of the payload in the receiver's stream.</param>
/// <param name="PayloadLength">TCP payload bytes.</param>
/// <param name="Sequence">Sequence number.</param>
/// <param name="Acknowledgment">Acknowledgment number.</param>
/// <param name="Window">Raw (unscaled) window.</param>
public readonly record struct PacketInfo(uint TimestampMs, int InputPort, int FrameLength, int IpLength,
    ulong Offset, int PayloadLength, uint Sequence, uint Acknowledgment, int Window);

/// <summary>Monitor counters of one context (<c>mos_monitor_stats</c>).</summary>
public sealed record MonitorStats(ulong Frames, ulong TcpPackets, ulong FlowsCreated, ulong FlowsMidstream,
    ulong FlowsEnded, ulong FlowsEvicted, ulong FlowsActive, ulong Orphans, ulong TableFull, ulong Ipv6,
    ulong NonTcp, ulong BadChecksum, ulong OutOfWindow, ulong BufferNoMemory, ulong AppDrops)
{
    internal static MonitorStats From(in mos_monitor_stats s) => new(s.frames, s.tcp_packets, s.flows_created,
        s.flows_midstream, s.flows_ended, s.flows_evicted, s.flows_active, s.orphans, s.table_full, s.ipv6,
        s.non_tcp, s.bad_checksum, s.out_of_window, s.buffer_nomem, s.app_drops);
}

/// <summary>Names of states and end reasons as tools print them.</summary>
public static class MonitorNames
{
    /// <summary>The <c>enum tcpstate</c> name without prefix (<c>ESTABLISHED</c>, <c>TIME_WAIT</c>).</summary>
    public static string Name(this TcpState s) => s switch
    {
        TcpState.Closed => "CLOSED",
        TcpState.Listen => "LISTEN",
        TcpState.SynSent => "SYN_SENT",
        TcpState.SynReceived => "SYN_RCVD",
        TcpState.Established => "ESTABLISHED",
        TcpState.FinWait1 => "FIN_WAIT_1",
        TcpState.FinWait2 => "FIN_WAIT_2",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.Closing => "CLOSING",
        TcpState.LastAck => "LAST_ACK",
        TcpState.TimeWait => "TIME_WAIT",
        _ => "-",
    };

    /// <summary>How a flow ended, as one word: <c>fin</c>, <c>rst</c>, <c>timeout</c>,
    /// <c>evicted</c>, <c>reused</c>, <c>open</c> (still open when monitoring stopped),
    /// <c>nomem</c>.</summary>
    public static string Name(this FlowEnd e) => e switch
    {
        FlowEnd.Fin => "fin",
        FlowEnd.Rst => "rst",
        FlowEnd.Timeout => "timeout",
        FlowEnd.Evicted => "evicted",
        FlowEnd.Reused => "reused",
        FlowEnd.Shutdown or FlowEnd.None => "open",
        FlowEnd.NoMemory => "nomem",
        _ => "-",
    };
}
