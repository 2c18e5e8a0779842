using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>`mos version [--api]`: versions, linked libraries, backends, and with
/// --api the state of every public native function.</summary>
public sealed class VersionCommand : ICommand
{
    public string Name => "version";

    public string Summary => "show versions and compiled-in I/O backends (--api: per-function status)";

    public string Help => """
        Usage: mos version [--api]

        Prints the mOS-NG version, the mOS API it implements, the DPDK and libpcap versions
        linked into this executable, and the I/O backends that can move packets.

        Options:
          --api   also print every public function of the C API with its state:
                  works, partial (with what is missing) or not yet (fails with ENOSYS)

        Exit codes: 0 success, 64 usage error.

        """;

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new ArgReader(args, "--api");
        if (a.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        stdout.WriteLine($"mos {BuildInfo.Version} (implements the {BuildInfo.ApiCompat} API)");
        stdout.WriteLine($"DPDK:        {BuildInfo.DpdkVersion ?? "not linked"}");
        stdout.WriteLine($"libpcap:     {BuildInfo.PcapVersion ?? "not linked"}");
        stdout.WriteLine($"I/O backends: {FormatBackends(BuildInfo.Backends)}");
        if (a.Has("--api"))
            PrintApi(stdout);
        return ExitCodes.Ok;
    }

    private static string FormatBackends(IoBackends b)
    {
        var names = new List<string>();
        if (b.HasFlag(IoBackends.Dpdk)) names.Add("dpdk");
        if (b.HasFlag(IoBackends.Pcap)) names.Add("pcap");
        if (b.HasFlag(IoBackends.Sim)) names.Add("sim");
        return names.Count > 0 ? string.Join(", ", names) : "none yet (packet I/O has not landed)";
    }

    private static void PrintApi(TextWriter stdout)
    {
        var rows = BuildInfo.ApiTable();
        int nameWidth = rows.Max(r => r.Name.Length);
        int headerWidth = rows.Max(r => r.Header.Length);
        stdout.WriteLine();
        stdout.WriteLine($"{"FUNCTION".PadRight(nameWidth)}  {"HEADER".PadRight(headerWidth)}  {"STATE",-7}  NOTE");
        foreach (var r in rows)
            stdout.WriteLine($"{r.Name.PadRight(nameWidth)}  {r.Header.PadRight(headerWidth)}  {StateName(r.State),-7}  {r.Note}".TrimEnd());
        stdout.WriteLine();
        stdout.WriteLine($"{rows.Count} functions: {rows.Count(r => r.State == ApiState.Works)} work, " +
                         $"{rows.Count(r => r.State == ApiState.Partial)} partial, " +
                         $"{rows.Count(r => r.State == ApiState.NotYet)} not yet");
    }

    public static string StateName(ApiState s) => s switch
    {
        ApiState.Works => "works",
        ApiState.Partial => "partial",
        _ => "not yet",
    };
}
