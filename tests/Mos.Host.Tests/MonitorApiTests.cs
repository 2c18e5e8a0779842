using System.Net;
using System.Text;

namespace Mos.Host.Tests;

/// <summary>The stack is one per process: tests that start it in-process run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeStackCollection
{
    public const string Name = "native stack (in-process)";
}

/// <summary>The managed monitor API (Mos.Api: MonitorSocket, FlowEvent, the callback bridge,
/// timers) in-process over libmtcp.so, replaying the bundled samples on a run-to-completion
/// context driven by the test thread.</summary>
[Collection(NativeStackCollection.Name)]
public class MonitorApiTests
{
    private static string Sample(string name) => Path.Combine(Repo.Root, "samples", name);

    /// <summary>Starts a replay stack for <paramref name="pcap"/>, runs <paramref name="body"/>
    /// with a run-to-completion context on this thread, and stops everything.</summary>
    private static void Replay(string pcap, Action<Context> body)
    {
        string text = $"mos {{\n io = pcap\n forward = 0\n max_concurrency = 1024\n rmem_size = 1048576\n" +
                      $" tcp_timeout = -1\n netdev {{\n  p0 0x1 device=file:{pcap}\n }}\n}}\n";
        var parsed = Configuration.Parse(text, "replay.conf");
        Assert.True(parsed.Ok, string.Join('\n', parsed.Diagnostics));
        using var cfg = parsed.Config!;
        using var stack = Stack.Start(cfg);
        using var ctx = stack.CreateContext(0, runToCompletion: true);
        body(ctx);
    }

    private static MonitorOptions CaptureOptions => new()
    {
        Midstream = MidstreamMode.First,
        IgnoreChecksums = true,
        ClientBufferBytes = 1 << 20,
        ServerBufferBytes = 1 << 20,
    };

    private sealed class Flow
    {
        public FlowPeers Peers;
        public readonly MemoryStream C2s = new(), S2c = new();
        public long LostC2s, LostS2c;
        public FlowInfo? Info;
        public int Ends;
    }

    /// <summary>Reads <paramref name="receiver"/>'s buffer to the end, counting lost bytes.</summary>
    private static void Drain(FlowEvent e, FlowSide receiver, Flow f)
    {
        var buf = new byte[4096];
        while (true)
        {
            var r = e.Peek(receiver, buf);
            if (r.IsEmpty)
                return;
            (receiver == FlowSide.Server ? f.C2s : f.S2c).Write(buf, 0, r.Copied);
            if (receiver == FlowSide.Server)
                f.LostC2s += r.Lost;
            else
                f.LostS2c += r.Lost;
        }
    }

    /// <summary>Replays <paramref name="pcap"/> and returns every flow with its streams.</summary>
    private static List<Flow> Collect(string pcap)
    {
        var flows = new Dictionary<int, Flow>();
        var all = new List<Flow>();
        Replay(pcap, ctx =>
        {
            using var s = ctx.CreateMonitorSocket(CaptureOptions);
            FlowEventHandler start = e =>
            {
                if (flows.ContainsKey(e.Socket))
                    return;
                var f = new Flow { Peers = e.Peers };
                flows[e.Socket] = f;
                all.Add(f);
            };
            s.On(MonitorEvent.ConnectionStart, MonitorHook.Send, start);
            s.On(MonitorEvent.ConnectionStart, MonitorHook.Receive, start);
            s.On(MonitorEvent.NewData, MonitorHook.None, e => Drain(e, e.Side, flows[e.Socket]));
            s.On(MonitorEvent.ConnectionEnd, MonitorHook.Send, e =>
            {
                var f = flows[e.Socket];
                Drain(e, FlowSide.Server, f);
                Drain(e, FlowSide.Client, f);
                f.Info = e.Info;
                f.Ends++;
            });
            Assert.True(ctx.Poll(-1, out int frames));
            Assert.True(frames > 0);
            ctx.FlushMonitor();
            var stats = ctx.GetMonitorStats();
            Assert.Equal((ulong)all.Count, stats.FlowsCreated);
            Assert.Equal(0ul, stats.FlowsActive);
        });
        return all;
    }

    [Fact]
    public void replay_reports_peers_stream_bytes_and_the_flow_report()
    {
        var flows = Collect(Sample("three-http-streams.pcap"));

        Assert.Equal(3, flows.Count);
        Assert.Equal(new[] { "172.16.133.132:54615", "172.16.133.132:44305", "172.16.133.132:52328" },
            flows.Select(f => f.Peers.Client.ToString()));
        Assert.All(flows, f =>
        {
            Assert.Equal(80, f.Peers.Server.Port);
            Assert.Equal(2, f.Ends); // once per side at the send hook
            var i = f.Info!;
            Assert.Equal(FlowEnd.Fin, i.End);
            Assert.False(i.Midstream);
            Assert.True(i.Client.SentSyn && i.Client.SentFin && i.Server.SentSyn && i.Server.SentFin);
            Assert.Equal((ulong)f.C2s.Length, i.Client.StreamBytes);
            Assert.Equal((ulong)f.S2c.Length, i.Server.StreamBytes);
            Assert.StartsWith("GET ", Encoding.ASCII.GetString(f.C2s.ToArray()));
            Assert.StartsWith("HTTP/1.", Encoding.ASCII.GetString(f.S2c.ToArray()));
            Assert.True(i.FirstNs > 1_000_000_000ul * 1_000_000_000ul && i.LastNs >= i.FirstNs);
        });
    }

    [Fact]
    public void peek_reports_acknowledged_holes_as_lost_bytes_and_reads_on()
    {
        var f = Assert.Single(Collect(Sample("http-drops.pcap")));

        // ../shared/data/expected/zeek/http-drops/tshark/gaps.tsv: 2549 bytes c2s, 542 s2c.
        Assert.Equal(2549, f.LostC2s);
        Assert.Equal(542, f.LostS2c);
        Assert.Equal(10702, f.C2s.Length);
        Assert.Equal(5735, f.S2c.Length);
        Assert.Equal(2549ul, f.Info!.Client.MissingBytes);
        Assert.Equal(IPAddress.Parse("10.0.0.118"), f.Peers.Client.Address);
    }

    [Fact]
    public void a_handler_exception_stops_the_stack_and_poll_rethrows_it()
    {
        int calls = 0;
        var e = Assert.Throws<InvalidOperationException>(() => Replay(Sample("three-http-streams.pcap"), ctx =>
        {
            using var s = ctx.CreateMonitorSocket(CaptureOptions);
            s.On(MonitorEvent.ConnectionStart, MonitorHook.Send, _ =>
            {
                calls++;
                throw new InvalidOperationException("handler failed");
            });
            ctx.Poll(-1, out _);
        }));

        Assert.Equal("handler failed", e.Message);
        Assert.Equal(1, calls); // later callbacks of the context are skipped
    }

    [Fact]
    public void one_managed_handler_per_context_hook_and_event()
    {
        Replay(Sample("three-http-streams.pcap"), ctx =>
        {
            using var a = ctx.CreateMonitorSocket();
            using var b = ctx.CreateMonitorSocket();
            FlowEventHandler h1 = _ => { }, h2 = _ => { };
            a.On(MonitorEvent.ConnectionEnd, MonitorHook.Send, h1);
            b.On(MonitorEvent.ConnectionEnd, MonitorHook.Send, h1); // the same delegate: shared
            Assert.Throws<InvalidOperationException>(() => b.On(MonitorEvent.ConnectionEnd, MonitorHook.Send, h2));
            b.On(MonitorEvent.ConnectionEnd, MonitorHook.Receive, h2); // another hook: fine
            a.Off(MonitorEvent.ConnectionEnd, MonitorHook.Send);
            b.Off(MonitorEvent.ConnectionEnd, MonitorHook.Send);
            b.On(MonitorEvent.ConnectionEnd, MonitorHook.Send, h2); // free again
            var bad = Assert.Throws<MosException>(() => a.On(MonitorEvent.NewData, MonitorHook.Send, h1));
            Assert.Equal(Errno.EINVAL, bad.Errno); // NewData belongs to MonitorHook.None
        });
    }

    [Fact]
    public void an_unregistered_handler_is_not_called()
    {
        int starts = 0, ends = 0;
        Replay(Sample("three-http-streams.pcap"), ctx =>
        {
            using var s = ctx.CreateMonitorSocket(CaptureOptions);
            s.On(MonitorEvent.ConnectionStart, MonitorHook.Send, _ => starts++);
            s.On(MonitorEvent.ConnectionEnd, MonitorHook.Send, _ => ends++);
            s.Off(MonitorEvent.ConnectionStart, MonitorHook.Send);
            ctx.Poll(-1, out _);
            ctx.FlushMonitor();
        });
        Assert.Equal(0, starts);
        Assert.Equal(6, ends);
    }

    [Fact]
    public void timers_fire_on_the_thread_driving_the_context_in_capture_time()
    {
        int thread = Environment.CurrentManagedThreadId, fired = 0;
        var threads = new HashSet<int>();
        Replay(Sample("http-drops.pcap"), ctx => // 272 s of capture time
        {
            using var s = ctx.CreateMonitorSocket(CaptureOptions);
            MonitorTimerHandler? tick = null;
            tick = id =>
            {
                fired++;
                threads.Add(Environment.CurrentManagedThreadId);
                ctx.SetTimer(id, TimeSpan.FromSeconds(60), tick!); // re-armed from its callback
            };
            ctx.SetTimer(7, TimeSpan.FromSeconds(60), tick);
            Assert.Throws<InvalidOperationException>(() => ctx.SetTimer(7, TimeSpan.FromSeconds(1), tick));
            ctx.Poll(-1, out _);
        });
        Assert.InRange(fired, 2, 4);
        Assert.Equal(new[] { thread }, threads);
    }

    [Fact]
    public void states_and_packets_are_visible_in_state_change_handlers()
    {
        var seen = new List<(FlowSide Side, TcpState Client, TcpState Server, bool Packet)>();
        Replay(Sample("http-drops.pcap"), ctx =>
        {
            using var s = ctx.CreateMonitorSocket(CaptureOptions);
            FlowEventHandler h = e => seen.Add((e.Side, e.State(FlowSide.Client), e.State(FlowSide.Server), e.TryGetPacket(out _)));
            s.On(MonitorEvent.StateChange, MonitorHook.Send, h);
            s.On(MonitorEvent.StateChange, MonitorHook.Receive, h);
            ctx.Poll(-1, out _);
            ctx.FlushMonitor();
        });
        Assert.Contains(seen, x => x.Packet && x.Client == TcpState.SynSent);
        Assert.Contains(seen, x => x.Packet && x.Client == TcpState.Established && x.Server == TcpState.Established);
        Assert.Contains(seen, x => x.Packet && x.Client == TcpState.TimeWait);
        Assert.Contains(seen, x => !x.Packet && x.Client == TcpState.Closed); // the teardown
    }
}
