namespace Mos.Host.Apps.Monitor;

/// <summary>midstat: the live connection table of the mOS sample (spec §15.1): one passive
/// monitor socket per core with both buffers disabled, the table printed every second, and
/// at the end (replays, or with --once) the final table: every connection seen with the
/// state of both sides at its last packet and how it ended.</summary>
internal sealed class Midstat(MonitorRun run, bool once, bool clearScreen)
{
    private readonly List<FlowTracker> _trackers = new();
    private long _nextId = -1;

    /// <summary>What the cores counted, once <see cref="Run"/> has returned.</summary>
    public MonitorTotals? Totals { get; private set; }

    /// <summary>Runs until the capture ends, Ctrl-C or the duration; returns every connection
    /// seen (when the final table is kept) in order of appearance.</summary>
    public IReadOnlyList<FlowRecord> Run(TextWriter stdout)
    {
        bool keep = once || run.Replay;
        Totals = MonitorRunner.Run(run, ctx => Attach(ctx, keep), TimeSpan.FromSeconds(1), once ? null : _ => PrintLive(stdout));
        lock (_trackers)
            return keep ? _trackers.SelectMany(t => t.All()).OrderBy(f => f.Id).ToList() : new List<FlowRecord>();
    }

    private MonitorSocket Attach(Context ctx, bool keep)
    {
        var tracker = new FlowTracker(ctx.Core, () => Interlocked.Increment(ref _nextId), null, keep);
        var s = ctx.CreateMonitorSocket(new MonitorOptions
        {
            Midstream = run.Midstream,
            IgnoreChecksums = run.IgnoreChecksums,
            ClientBufferBytes = 0, // the table needs no payload
            ServerBufferBytes = 0,
        });
        tracker.Attach(s, readData: false);
        lock (_trackers)
            _trackers.Add(tracker);
        return s;
    }

    private void PrintLive(TextWriter stdout)
    {
        List<FlowRecord> open;
        lock (_trackers)
            open = _trackers.SelectMany(t => t.Snapshot()).OrderBy(f => f.Core).ThenBy(f => f.Id).ToList();
        if (clearScreen)
            stdout.Write("\u001b[H\u001b[2J");
        else
            stdout.WriteLine();
        MidstatTable.Write(stdout, open, final: false);
        stdout.Flush();
    }
}

/// <summary>The midstat table: columns Proto, CPU, Client Address, Client State, Server
/// Address, Server State (state names without the TCP_ prefix), and End in the final table.</summary>
internal static class MidstatTable
{
    public static void Write(TextWriter o, IEnumerable<FlowRecord> flows, bool final)
    {
        o.WriteLine(Row("Proto", "CPU", "Client Address", "Client State", "Server Address", "Server State", final ? "End" : null));
        foreach (var f in flows)
        {
            o.WriteLine(Row("tcp", f.Core.ToString(), f.Client.ToString(), f.ClientState.Name(), f.Server.ToString(),
                f.ServerState.Name(), final ? f.End.Name() : null));
        }
    }

    private static string Row(string proto, string cpu, string client, string clientState, string server,
        string serverState, string? end) =>
        $"{proto,-5} {cpu,-3} {client,-21} {clientState,-12} {server,-21} {serverState,-12} {end}".TrimEnd();

    /// <summary>One line: connections and how they ended ("3 connections: 2 fin, 1 open").</summary>
    public static string Summary(IReadOnlyList<FlowRecord> flows)
    {
        var ends = flows.GroupBy(f => f.End.Name()).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}");
        return $"{flows.Count} connection{(flows.Count == 1 ? "" : "s")}" + (flows.Count > 0 ? ": " + string.Join(", ", ends) : "");
    }
}
