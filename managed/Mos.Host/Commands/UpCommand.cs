using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>`mos up --config FILE`: brings the stack up with no application: it answers
/// ARP and ping, prints per-second statistics, and stops cleanly on Ctrl-C or SIGTERM.</summary>
public sealed class UpCommand : ICommand
{
    public string Name => "up";

    public string Summary => "bring the stack up with no app (ARP, ping, statistics) until Ctrl-C";

    public string Help => $"""
        Usage: mos up --config FILE [--set KEY=VALUE]... [--duration SECONDS]
                      [--stats-json FILE] [--quiet]

        Starts the ports and one stack context per configured core. The stack answers ARP
        and ICMP echo on the ports' addresses (and forwards, when the configuration says
        so). Every second it prints a statistics line per port and core to stderr — for
        the stat_print ports, or for every port when stat_print is not set. Ctrl-C (SIGINT)
        or SIGTERM stops it: queues drained, ports stopped; a summary with the drop
        counters follows.

        Options:
          --config FILE       the mos.conf to use
        {StackSetup.SetHelp}
          --duration SECONDS  stop by itself after this long
          --stats-json FILE   rewrite FILE every second (and at the end) with every port's
                              counters and drops by reason, as JSON
          --quiet             no per-second lines

        Exit codes: 0 stopped cleanly, 1 the ports could not be started, 2 invalid
        configuration, 64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, "--config=", "--set=", "--duration=", "--stats-json=", "--quiet");
        if (a.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        double? duration = ParseDuration(a.Value("--duration"));
        using var cfg = StackSetup.Load(a, stderr);
        if (cfg is null)
            return ExitCodes.InvalidConfig;
        if (!a.Has("--quiet") && !cfg.Render(ConfigFormat.Conf).Contains("stat_print = ", StringComparison.Ordinal))
            cfg.Set("stat_print", string.Join(' ', cfg.PortNames));
        else if (a.Has("--quiet"))
            cfg.Set("stat_print", "");
        int cores = cfg.Cores;
        using var stack = Stack.Start(cfg);
        using var stopped = new ManualResetEventSlim();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stack.Stop(); stopped.Set(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stack.Stop(); stopped.Set(); });
        for (int core = 0; core < cores; core++)
            stack.CreateContext(core);
        stdout.WriteLine($"mos up: {stack.Ports.Count} port(s), {cores} core(s); Ctrl-C to stop");
        PortsCommand.Print(stack.Ports, stdout);
        stdout.Flush();
        Wait(stack, stopped, duration, a.Value("--stats-json"));
        stack.Stop();
        WriteStatsJson(stack, a.Value("--stats-json"));
        PrintSummary(stack, stdout);
        return ExitCodes.Ok;
    }

    private static double? ParseDuration(string? text)
    {
        if (text is null)
            return null;
        if (!double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out double s) || s <= 0)
            throw new UsageException($"--duration needs a positive number of seconds, got '{text}'");
        return s;
    }

    private static void Wait(Stack stack, ManualResetEventSlim stopped, double? duration, string? statsJson)
    {
        var clock = Stopwatch.StartNew();
        while (!stopped.IsSet)
        {
            double left = duration is { } d ? d - clock.Elapsed.TotalSeconds : double.MaxValue;
            if (left <= 0)
                break;
            stopped.Wait(TimeSpan.FromSeconds(Math.Min(1.0, left)));
            WriteStatsJson(stack, statsJson);
        }
    }

    private static void WriteStatsJson(Stack stack, string? path)
    {
        if (path is null)
            return;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("ports");
            foreach (var p in stack.Ports)
                WritePort(w, stack, p);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, ms.ToArray());
        File.Move(tmp, path, overwrite: true); // readers never see a half-written file
    }

    private static void WritePort(Utf8JsonWriter w, Stack stack, PortInfo p)
    {
        var c = stack.Counters(p.Index);
        w.WriteStartObject();
        w.WriteString("name", p.Name);
        w.WriteNumber("rx_packets", c.RxPackets);
        w.WriteNumber("rx_bytes", c.RxBytes);
        w.WriteNumber("tx_packets", c.TxPackets);
        w.WriteNumber("tx_bytes", c.TxBytes);
        w.WriteNumber("tx_errors", c.TxErrors);
        w.WriteNumber("drops", c.Drops);
        w.WriteNumber("rx_missed", c.RxMissed);
        w.WriteNumber("forwarded", c.Forwarded);
        w.WriteStartObject("drop_reasons");
        foreach (var (reason, n) in stack.Drops(p.Index))
            w.WriteNumber(reason, n);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void PrintSummary(Stack stack, TextWriter o)
    {
        o.WriteLine("mos up: stopped");
        foreach (var p in stack.Ports)
        {
            var c = stack.Counters(p.Index);
            o.WriteLine($"{p.Name}: rx {c.RxPackets} frames / {c.RxBytes} bytes, tx {c.TxPackets} frames / {c.TxBytes} bytes, " +
                        $"tx errors {c.TxErrors}, drops {c.Drops}, missed {c.RxMissed}, forwarded {c.Forwarded}");
            foreach (var (reason, n) in stack.Drops(p.Index))
                o.WriteLine($"  drop {reason}: {n}");
        }
    }
}
