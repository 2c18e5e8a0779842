using Mos.Host.Apps.Monitor;
using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>`mos flowdump`: every connection's reassembled streams in files, and an index.</summary>
public sealed class FlowdumpCommand : ICommand
{
    private const int DefaultBuffer = 256 * 1024;

    public string Name => "flowdump";

    public string Summary => "write each TCP connection's reassembled streams to files, with index.tsv";

    public string Help => $"""
        Usage: mos flowdump (--pcap FILE | --config FILE) --out DIR [--overlap first|last]
                            [--fill-holes] [--buffer BYTES] [--progress] [--set KEY=VALUE]...
                            [--cores N] [--duration S] [--midstream MODE] [--checksums MODE]
                            [--realtime]

        Reassembles both directions of every TCP connection and writes DIR/<id>.c2s (client
        to server) and DIR/<id>.s2c (server to client) — both always exist, empty when no
        byte went that way — and DIR/index.tsv with one row per connection: id, client,
        server, first_ts, last_ts, end, client_state, server_state, midstream, and per
        direction packets, bytes, stream, rexmit, conflict, missing (README: "mos flowdump").
        Ids count from 0 in the order connections appear. Earlier flowdump output in DIR is
        replaced. A progress bar goes to stderr when it is a terminal (or with --progress).

        Options:
          --out DIR           output directory (created if needed)
          --overlap POLICY    bytes sent twice with different content: first (keep the
                              first copy, default; tshark's choice) or last (tcpflow's)
          --fill-holes        write NUL bytes for bytes missing in the capture (as tcpflow)
                              instead of leaving them out (as tshark)
          --buffer BYTES      reassembly buffer per direction (default {DefaultBuffer}): it must
                              hold the out-of-order data of a connection; a core's buffers
                              share at most 256 MiB (bytes beyond are counted missing and
                              reported)
          --progress          show the progress bar even when stderr is not a terminal
        {MonitorSource.Help}
        Exit codes: 0 success, 1 failure at run time (also: DIR not writable), 2 invalid
        configuration, 64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, MonitorSource.Options.Concat(new[] { "--out=", "--overlap=", "--fill-holes", "--buffer=", "--progress" }).ToArray());
        string outDir = a.Required("--out");
        var overlap = a.Value("--overlap") switch
        {
            null or "first" => OverlapPolicy.First,
            "last" => OverlapPolicy.Last,
            var v => throw new UsageException($"--overlap must be first or last, got '{v}'"),
        };
        int buffer = (int)Math.Min(AppRunner.ParseCount(a.Value("--buffer"), "--buffer", DefaultBuffer), 1 << 30);
        using var run = MonitorSource.Read(a, stderr, buffer);
        if (run is null)
            return ExitCodes.InvalidConfig;
        var dump = new FlowDump(run, new FlowDumpOptions(outDir, buffer, overlap, a.Has("--fill-holes")));
        bool showProgress = a.Has("--progress") || (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected);
        var progress = showProgress ? new ReplayProgress(stderr, run.Pcap is { } p ? ReplayProgress.CountPcapFrames(p) : null) : null;
        IReadOnlyList<FlowRecord> flows;
        try
        {
            flows = dump.Run(progress is null ? null : stack => progress.Update(RxFrames(stack), dump.Connections));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (progress is not null)
                stderr.WriteLine(); // end the progress bar's line
            stderr.WriteLine($"mos flowdump: {e.Message}");
            return ExitCodes.Failure;
        }
        var totals = dump.Totals!;
        progress?.Finish(totals.Frames, dump.Connections);
        if (a.Has("--stats"))
            totals.Write(stderr, "flowdump");
        if (totals.BufferNoMemory > 0)
            stderr.WriteLine($"mos flowdump: warning: {totals.BufferNoMemory} payload bytes found no reassembly memory and are " +
                             "missing from the files (counted in missing_*); use a smaller --buffer or more cores");
        long c2s = flows.Sum(f => f.StreamBytesC2s), s2c = flows.Sum(f => f.StreamBytesS2c);
        stdout.WriteLine($"flowdump: {MidstatTable.Summary(flows)}; {c2s} bytes client->server, {s2c} bytes server->client " +
                         $"in {Path.Combine(outDir, FlowIndex.FileName)}");
        return ExitCodes.Ok;
    }

    private static ulong RxFrames(Stack stack)
    {
        ulong n = 0;
        for (int port = 0; port < stack.Ports.Count; port++)
            n += stack.Counters(port).RxPackets;
        return n;
    }
}
