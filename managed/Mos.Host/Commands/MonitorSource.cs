using System.Globalization;
using Mos.Host.Apps.Monitor;
using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>The traffic a monitor app watches: a capture replayed on one core (--pcap) or the
/// ports and cores of a configuration (--config), with the options both apps share.</summary>
internal static class MonitorSource
{
    /// <summary>Options every monitor command accepts (ArgReader names).</summary>
    public static readonly string[] Options =
    {
        "--pcap=", "--config=", "--set=", "--cores=", "--duration=", "--midstream=", "--checksums=", "--realtime", "--stats",
    };

    public const string Help = """
          --pcap FILE         replay a capture file (pcap or pcapng, Ethernet) on one core;
                              connections already in progress are picked up (--midstream
                              first) and checksums are not verified, as tshark does
          --config FILE       monitor live on the ports and cores of this mos.conf
          --set KEY=VALUE     override a key of the mos block (repeatable); with --pcap it
                              applies to the generated replay configuration
          --cores N           cores to use with --config (default: all configured cores)
          --duration S        stop by itself after S seconds
          --midstream MODE    pick up connections already in progress: first (the first
                              packet's sender is the client; default with --pcap), ports
                              (the lower port class is the server) or off (only a SYN
                              starts a connection, as mOS 0.3; default with --config)
          --checksums MODE    ignore (default with --pcap) or verify (default with --config)
                              IPv4 and TCP checksums
          --realtime          with --pcap: replay at the recorded pace instead of at once
          --stats             at the end, print each core's monitor counters (flows,
                              orphans, IPv6, checksum failures, …) and frame drops to stderr
        """;

    /// <summary>Reads the source options. Returns null after printing configuration errors
    /// (exit code 2).</summary>
    public static MonitorRun? Read(ArgReader a, TextWriter stderr, int bufferBytes)
    {
        string? pcap = a.Value("--pcap");
        bool live = a.Value("--config") is not null;
        if ((pcap is null) == !live)
            throw new UsageException(pcap is null ? "give --pcap FILE or --config FILE" : "give either --pcap or --config, not both");
        if (a.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        if (pcap is not null && !File.Exists(pcap))
            throw new UsageException($"--pcap '{pcap}': no such file");
        if (live && a.Has("--realtime"))
            throw new UsageException("--realtime applies to --pcap only");
        if (pcap is not null && a.Value("--cores") is { } c && c != "1")
            throw new UsageException("a capture is replayed on one core (--cores 1)");
        double? duration = a.Value("--duration") is { } d ? AppRunner.ParsePositive(d, "--duration") : null;
        var midstream = ParseMidstream(a.Value("--midstream"), live ? MidstreamMode.Off : MidstreamMode.First);
        bool ignoreChecksums = ParseChecksums(a.Value("--checksums"), ignoreByDefault: !live);
        string? tempDir = null;
        Configuration? cfg = live ? StackSetup.Load(a, stderr) : ReplayConfig(pcap!, a, stderr, bufferBytes, out tempDir);
        if (cfg is null)
        {
            if (tempDir is not null)
                Directory.Delete(tempDir, recursive: true);
            return null;
        }
        int cores = live ? AppRunner.Cores(a, cfg) : 1;
        return new MonitorRun(cfg, cores, duration, pcap, midstream, ignoreChecksums) { TempDir = tempDir };
    }

    private static MidstreamMode ParseMidstream(string? v, MidstreamMode dflt) => v switch
    {
        null => dflt,
        "first" => MidstreamMode.First,
        "ports" => MidstreamMode.Ports,
        "off" => MidstreamMode.Off,
        _ => throw new UsageException($"--midstream must be first, ports or off, got '{v}'"),
    };

    private static bool ParseChecksums(string? v, bool ignoreByDefault) => v switch
    {
        null => ignoreByDefault,
        "ignore" => true,
        "verify" => false,
        _ => throw new UsageException($"--checksums must be verify or ignore, got '{v}'"),
    };

    /// <summary>The configuration of a replay: io = pcap, one port reading the file, no
    /// forwarding, no idle timeout (captures have long gaps), a TIME_WAIT of 60 s of capture
    /// time (late retransmissions and ACKs after the close stay in their connection instead
    /// of being picked up as new ones), reassembly buffers of <paramref name="bufferBytes"/>
    /// per side.</summary>
    private static Configuration? ReplayConfig(string pcap, ArgReader a, TextWriter stderr, int bufferBytes, out string? tempDir)
    {
        string device = "file:" + ReplayPath(pcap, out tempDir) + (a.Has("--realtime") ? ",pace=recorded" : "");
        int rmem = Math.Max(8192, (bufferBytes + 1023) / 1024 * 1024);
        string text = string.Create(CultureInfo.InvariantCulture, $$"""
            mos {
            	io = pcap
            	forward = 0
            	max_concurrency = 16384
            	max_num_buffers = 16384
            	rmem_size = {{rmem}}
            	tcp_timeout = -1
            	tcp_tw_interval = 60
            	netdev {
            		replay0 0x1 device={{device}}
            	}
            }

            """);
        var result = Configuration.Parse(text, "<replay>");
        foreach (var d in result.Diagnostics)
            stderr.WriteLine(d);
        if (result.Config is not { } cfg)
            return null;
        return StackSetup.ApplySets(cfg, a, stderr) ? cfg : null;
    }

    /// <summary>The capture's absolute path, or a symbolic link to it in a new temporary
    /// directory (<paramref name="tempDir"/>) when the path has characters a netdev line
    /// cannot hold (blanks, commas, '#', quotes, braces).</summary>
    private static string ReplayPath(string pcap, out string? tempDir)
    {
        string full = Path.GetFullPath(pcap);
        tempDir = null;
        if (!full.Any(ch => char.IsWhiteSpace(ch) || ch is ',' or '#' or '"' or '\'' or '{' or '}'))
            return full;
        tempDir = Directory.CreateTempSubdirectory("mos-replay-").FullName;
        string link = Path.Combine(tempDir, "capture.pcap");
        File.CreateSymbolicLink(link, full);
        return link;
    }
}
