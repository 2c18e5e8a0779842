using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Mos.Host.Apps.Monitor;

/// <summary>What a monitor app watches and how: the stack configuration (a generated replay
/// configuration for a capture), the cores, an optional duration and the monitor socket
/// settings shared by every monitor app.</summary>
internal sealed record MonitorRun(Configuration Config, int Cores, double? DurationSeconds, string? Pcap,
    MidstreamMode Midstream, bool IgnoreChecksums) : IDisposable
{
    /// <summary>True when a capture file is replayed (one core, ends with the file).</summary>
    public bool Replay => Pcap is not null;

    /// <summary>A temporary directory to delete with the run (the replay's link to a capture
    /// whose path a netdev line cannot hold), or null.</summary>
    public string? TempDir { get; init; }

    public void Dispose()
    {
        Config.Dispose();
        if (TempDir is not null && Directory.Exists(TempDir))
            Directory.Delete(TempDir, recursive: true);
    }
}

/// <summary>Runs monitor apps: the stack, one thread per core driving its own
/// run-to-completion context (so every monitor callback of a core runs on that core's
/// thread), until the capture has been replayed, Ctrl-C/SIGTERM, or the duration ends; then
/// every context's open connections are ended (<see cref="MonitorContextExtensions.FlushMonitor"/>,
/// end reason "open").</summary>
internal static class MonitorRunner
{
    /// <summary>Runs <paramref name="run"/>. <paramref name="attach"/> creates a core's
    /// monitor socket (on that core's thread, before traffic is read there);
    /// <paramref name="tick"/> runs on the calling thread every <paramref name="interval"/>
    /// while traffic runs (the periodic table, the progress bar). Returns what the cores
    /// counted. Rethrows the first failure of a core (a handler's exception included).</summary>
    public static MonitorTotals Run(MonitorRun run, Func<Context, MonitorSocket> attach, TimeSpan interval, Action<Stack>? tick)
    {
        using var stack = Stack.Start(run.Config);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stack.Stop(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stack.Stop(); });
        using var timer = run.DurationSeconds is { } d
            ? new Timer(_ => stack.Stop(), null, TimeSpan.FromSeconds(d), Timeout.InfiniteTimeSpan) : null;
        var errors = new ConcurrentQueue<Exception>();
        var totals = new CoreTotals[run.Cores];
        using var finished = new CountdownEvent(run.Cores);
        var threads = new List<Thread>();
        for (int core = 0; core < run.Cores; core++)
        {
            int c = core;
            var t = new Thread(() =>
            {
                try { totals[c] = RunCore(stack, c, attach); }
                catch (Exception e) { errors.Enqueue(e); stack.Stop(); }
                finally { finished.Signal(); }
            }) { Name = $"monitor-{c}", IsBackground = true };
            t.Start();
            threads.Add(t);
        }
        while (!finished.Wait(interval))
            tick?.Invoke(stack);
        foreach (var t in threads)
            t.Join();
        if (errors.TryDequeue(out var first))
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        return new MonitorTotals(totals);
    }

    private static CoreTotals RunCore(Stack stack, int core, Func<Context, MonitorSocket> attach)
    {
        using var ctx = stack.CreateContext(core, runToCompletion: true);
        using var socket = attach(ctx);
        ctx.Poll(-1, out int frames); // returns when the capture is replayed or the stack is stopped
        ctx.FlushMonitor();
        var drops = new Dictionary<string, ulong>();
        for (int port = 0; port < stack.Ports.Count; port++)
        {
            foreach (var (reason, n) in stack.Drops(port, core))
                drops[reason] = drops.GetValueOrDefault(reason) + n;
        }
        return new CoreTotals(core, (ulong)Math.Max(frames, 0), ctx.GetMonitorStats(), drops);
    }
}

/// <summary>What one core counted by the end of a run.</summary>
internal sealed record CoreTotals(int Core, ulong Frames, MonitorStats Stats, IReadOnlyDictionary<string, ulong> Drops);

/// <summary>What the cores of a run counted.</summary>
internal sealed record MonitorTotals(IReadOnlyList<CoreTotals> Cores)
{
    public ulong Frames => (ulong)Cores.Sum(c => (decimal)c.Frames);

    /// <summary>Payload bytes the cores could not buffer (reassembly memory exhausted).</summary>
    public ulong BufferNoMemory => (ulong)Cores.Sum(c => (decimal)c.Stats.BufferNoMemory);

    /// <summary>The monitor counters and frame drops of each core, for --stats (stderr).</summary>
    public void Write(TextWriter o, string app)
    {
        foreach (var c in Cores)
        {
            var s = c.Stats;
            o.WriteLine($"{app}: core {c.Core}: {c.Frames} frames; monitor: {s.TcpPackets} TCP packets, flows {s.FlowsCreated} created " +
                        $"({s.FlowsMidstream} mid-stream), {s.FlowsEnded} ended, {s.FlowsEvicted} evicted, {s.TableFull} refused (table full); " +
                        $"{s.Orphans} orphans, {s.Ipv6} IPv6, {s.NonTcp} non-TCP, {s.BadChecksum} bad checksums, " +
                        $"{s.OutOfWindow} beyond the window, {s.BufferNoMemory} bytes without buffer memory, {s.AppDrops} dropped by callbacks");
            foreach (var (reason, n) in c.Drops.OrderBy(d => d.Key, StringComparer.Ordinal))
                o.WriteLine($"{app}: core {c.Core}: drop {reason}: {n}");
        }
    }
}
