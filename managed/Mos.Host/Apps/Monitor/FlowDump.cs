using System.Text.RegularExpressions;

namespace Mos.Host.Apps.Monitor;

/// <summary>Options of flowdump.</summary>
/// <param name="OutDir">Directory of the stream files and index.tsv.</param>
/// <param name="BufferBytes">Reassembly buffer per side and connection.</param>
/// <param name="Overlap">Which copy of re-sent bytes is kept.</param>
/// <param name="FillHoles">Write NUL bytes for bytes missing in holes (as tcpflow does)
/// instead of leaving them out (as tshark does).</param>
internal sealed record FlowDumpOptions(string OutDir, int BufferBytes, OverlapPolicy Overlap, bool FillHoles);

/// <summary>flowdump: every connection's reassembled client→server and server→client bytes
/// in <c>&lt;id&gt;.c2s</c> / <c>&lt;id&gt;.s2c</c>, and one row per connection in
/// <c>index.tsv</c> (<see cref="FlowIndex"/>). Bytes are read with mtcp_peek at every
/// CONN_NEW_DATA, at every ERROR (a buffer about to be outrun) and at CONN_END, so a buffer
/// only has to hold what arrives in one receive burst.</summary>
internal sealed partial class FlowDump(MonitorRun run, FlowDumpOptions opt)
{
    private readonly List<FlowRecord> _done = new();
    private readonly FlowDumpOptions _opt = opt;
    private long _nextId = -1;

    /// <summary>Connections seen so far (any thread).</summary>
    public long Connections => Interlocked.Read(ref _nextId) + 1;

    /// <summary>What the cores counted, once <see cref="Run"/> has returned.</summary>
    public MonitorTotals? Totals { get; private set; }

    /// <summary>Runs the monitor and writes the files; returns the connections in id order.
    /// <paramref name="tick"/> as in <see cref="MonitorRunner.Run"/>.</summary>
    public IReadOnlyList<FlowRecord> Run(Action<Stack>? tick)
    {
        Directory.CreateDirectory(_opt.OutDir);
        RemovePreviousOutput(_opt.OutDir);
        Totals = MonitorRunner.Run(run, Attach, TimeSpan.FromMilliseconds(200), tick);
        List<FlowRecord> flows;
        lock (_done)
            flows = _done.OrderBy(f => f.Id).ToList();
        FlowIndex.Write(Path.Combine(_opt.OutDir, FlowIndex.FileName), flows);
        return flows;
    }

    [GeneratedRegex(@"^\d+\.(c2s|s2c)$")]
    private static partial Regex StreamFileName();

    private static void RemovePreviousOutput(string dir)
    {
        foreach (var f in Directory.EnumerateFiles(dir))
        {
            string name = Path.GetFileName(f);
            if (name == FlowIndex.FileName || StreamFileName().IsMatch(name))
                File.Delete(f);
        }
    }

    private MonitorSocket Attach(Context ctx)
    {
        var core = new CoreWriter(this);
        var tracker = new FlowTracker(ctx.Core, () => Interlocked.Increment(ref _nextId), core, keepEnded: false);
        var s = ctx.CreateMonitorSocket(new MonitorOptions
        {
            Midstream = run.Midstream,
            IgnoreChecksums = run.IgnoreChecksums,
            ClientBufferBytes = _opt.BufferBytes,
            ServerBufferBytes = _opt.BufferBytes,
            Overlap = _opt.Overlap,
        });
        tracker.Attach(s, readData: true);
        return s;
    }

    /// <summary>One core's writer: its own scratch buffer and open streams (core thread only).</summary>
    private sealed class CoreWriter(FlowDump dump) : IFlowObserver
    {
        private readonly byte[] _scratch = new byte[64 * 1024];
        private readonly Dictionary<long, (StreamFile C2s, StreamFile S2c)> _files = new();

        public void OnStart(FlowRecord flow, FlowEvent e)
        {
            string stem = Path.Combine(dump._opt.OutDir, flow.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _files[flow.Id] = (new StreamFile(stem + ".c2s"), new StreamFile(stem + ".s2c"));
        }

        public void OnData(FlowRecord flow, FlowEvent e)
        {
            if (_files.TryGetValue(flow.Id, out var f))
                Drain(e, e.Side, e.Side == FlowSide.Server ? f.C2s : f.S2c);
        }

        public void OnEnd(FlowRecord flow, FlowEvent e)
        {
            if (!_files.Remove(flow.Id, out var f))
                return;
            Drain(e, FlowSide.Server, f.C2s); // what the server received: client → server
            Drain(e, FlowSide.Client, f.S2c);
            f.C2s.Close();
            f.S2c.Close();
            flow.StreamBytesC2s = f.C2s.Length;
            flow.StreamBytesS2c = f.S2c.Length;
            lock (dump._done)
                dump._done.Add(flow);
        }

        /// <summary>Reads <paramref name="receiver"/>'s buffer until nothing is new.</summary>
        private void Drain(FlowEvent e, FlowSide receiver, StreamFile file)
        {
            while (true)
            {
                var r = e.Peek(receiver, _scratch);
                if (r.IsEmpty)
                    return;
                if (r.Lost > 0 && dump._opt.FillHoles)
                    file.AppendZeros(r.Lost);
                file.Append(_scratch.AsSpan(0, r.Copied));
            }
        }
    }
}
