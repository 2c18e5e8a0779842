using System.Text.RegularExpressions;
using Mos.Host.Tests.Captures;

namespace Mos.Host.Tests;

/// <summary>`mos midstat` and `mos flowdump` as users run them: the published binary on the
/// bundled samples. Help, exit codes, output formats.</summary>
public class MonitorCommandTests
{
    private static string Sample(string name) => Path.Combine(Repo.Root, "samples", name);

    private static string TempDir() => Path.Combine(Path.GetTempPath(), $"mos-cli-{Guid.NewGuid():N}");

    [Theory]
    [InlineData("midstat")]
    [InlineData("flowdump")]
    public void help_shows_usage_options_and_exit_codes(string command)
    {
        var (code, output, _) = Repo.Run(Repo.MosBinary, command, "--help");
        Assert.Equal(0, code);
        Assert.Contains($"Usage: mos {command} (--pcap FILE | --config FILE)", output);
        Assert.Contains("--pcap FILE", output);
        Assert.Contains("--midstream MODE", output);
        Assert.Contains("Exit codes: 0 success, 1 failure at run time", output);
        var (_, list, _) = Repo.Run(Repo.MosBinary, "help");
        Assert.Contains(command, list);
    }

    [Theory]
    [InlineData("midstat")]
    [InlineData("midstat", "--once")]
    [InlineData("midstat", "--pcap", "/nonexistent.pcap")]
    [InlineData("midstat", "--pcap", "SAMPLE", "--config", "CONF")]
    [InlineData("midstat", "--pcap", "SAMPLE", "--bogus")]
    [InlineData("midstat", "--pcap", "SAMPLE", "--midstream", "sideways")]
    [InlineData("midstat", "--pcap", "SAMPLE", "--checksums", "maybe")]
    [InlineData("midstat", "--pcap", "SAMPLE", "--cores", "2")]
    [InlineData("midstat", "--pcap", "SAMPLE", "--duration", "-1")]
    [InlineData("midstat", "--pcap", "SAMPLE", "extra")]
    [InlineData("midstat", "--config", "CONF", "--realtime")]
    [InlineData("flowdump", "--pcap", "SAMPLE")]
    [InlineData("flowdump", "--pcap", "SAMPLE", "--out", "OUT", "--overlap", "middle")]
    [InlineData("flowdump", "--pcap", "SAMPLE", "--out", "OUT", "--buffer", "0")]
    [InlineData("flowdump", "--out", "OUT")]
    public void usage_errors_exit_64_and_name_the_problem(params string[] args)
    {
        string outDir = TempDir();
        var a = args.Select(x => x.Replace("SAMPLE", Sample("three-http-streams.pcap"))
            .Replace("CONF", Repo.Config("pcap.conf")).Replace("OUT", outDir)).ToArray();
        var (code, _, err) = Repo.Run(Repo.MosBinary, a);
        Assert.True(code == 64, $"mos {string.Join(' ', a)}: exit {code}, {err}");
        Assert.Contains($"mos {args[0]}: ", err);
        Assert.Contains("--help", err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void an_invalid_override_exits_2_with_the_diagnostic()
    {
        var (code, _, err) = Repo.Run(Repo.MosBinary, "midstat", "--pcap", Sample("three-http-streams.pcap"), "--once",
            "--set", "max_concurrency=lots");
        Assert.Equal(2, code);
        Assert.Contains("<override>", err);
        Assert.Contains("max_concurrency", err);
    }

    [Fact]
    public void an_unwritable_output_directory_exits_1()
    {
        using var file = new Repo.TempFile("not a directory", ".txt");
        var (code, _, err) = Repo.Run(Repo.MosBinary, "flowdump", "--pcap", Sample("three-http-streams.pcap"), "--out", file.Path);
        Assert.Equal(1, code);
        Assert.Contains("mos flowdump", err);
    }

    [Fact]
    public void midstat_once_prints_the_final_table_and_a_summary_on_stderr()
    {
        var (code, output, err) = Repo.Run(Repo.MosBinary, "midstat", "--pcap", Sample("three-http-streams.pcap"), "--once");
        Assert.Equal(0, code);
        Assert.Equal(new[]
        {
            MidstatFormat.FinalHeader,
            "tcp   0   172.16.133.132:54615  CLOSED       98.139.161.29:80      TIME_WAIT    fin",
            "tcp   0   172.16.133.132:44305  CLOSED       98.138.19.88:80       TIME_WAIT    fin",
            "tcp   0   172.16.133.132:52328  CLOSED       98.139.240.23:80      TIME_WAIT    fin",
        }, output.TrimEnd('\n').Split('\n'));
        Assert.Equal("midstat: 3 connections: 3 fin\n", err);
    }

    [Fact]
    public void midstat_prints_the_live_table_every_second_then_the_final_table()
    {
        // 4 s of capture replayed at the recorded pace: live tables while it runs.
        var (code, output, _) = Repo.Run(Repo.MosBinary, "midstat", "--pcap",
            SharedData.Pcap("zeek/rst-injection") is var p && File.Exists(p) ? p : Sample("three-http-streams.pcap"), "--realtime");
        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Contains(MidstatFormat.LiveHeader, lines);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^tcp   0   \d+\.\d+\.\d+\.\d+:\d+ +[A-Z_12]+ +\d+\.\d+\.\d+\.\d+:\d+ +[A-Z_12]+$"));
        Assert.Equal(MidstatFormat.FinalHeader, lines.Last(l => l.StartsWith("Proto")));
    }

    [Fact]
    public void midstat_with_a_config_monitors_its_ports()
    {
        string conf = $"mos {{\n io = pcap\n forward = 0\n max_concurrency = 1024\n tcp_timeout = -1\n tcp_tw_interval = 60\n" +
                      $" netdev {{\n  p0 0x1 device=file:{Sample("three-http-streams.pcap")}\n }}\n}}\n";
        using var f = new Repo.TempFile(conf);
        var (code, output, err) = Repo.Run(Repo.MosBinary, "midstat", "--config", f.Path, "--once");
        Assert.True(code == 0, err);
        Assert.Equal(4, output.TrimEnd('\n').Split('\n').Length);
        Assert.Contains("172.16.133.132:52328  CLOSED       98.139.240.23:80      TIME_WAIT    fin", output);
    }

    [Fact]
    public void a_capture_path_with_blanks_and_commas_is_replayed()
    {
        string dir = Directory.CreateTempSubdirectory("mos cli,test ").FullName;
        try
        {
            string pcap = Path.Combine(dir, "a b,c.pcap");
            File.Copy(Sample("three-http-streams.pcap"), pcap);
            var (code, output, err) = Repo.Run(Repo.MosBinary, "midstat", "--pcap", pcap, "--once");
            Assert.True(code == 0, err);
            Assert.Equal(4, output.TrimEnd('\n').Split('\n').Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void live_monitoring_stops_after_the_duration_on_every_core()
    {
        string conf = File.ReadAllText(Repo.Config("sim.conf")).Replace("sim0 0x1", "sim0 0x3");
        using var f = new Repo.TempFile(conf);
        var (code, output, err) = Repo.Run(Repo.MosBinary, "midstat", "--config", f.Path, "--duration", "0.5", "--once", "--stats");
        Assert.True(code == 0, err);
        Assert.Equal(MidstatFormat.FinalHeader + "\n", output);
        Assert.Contains("midstat: 0 connections", err);
        Assert.Contains("midstat: core 0: ", err);
        Assert.Contains("midstat: core 1: ", err);
    }

    [Fact]
    public void flowdump_writes_both_stream_files_of_every_connection_and_the_index()
    {
        string dir = TempDir();
        try
        {
            var (code, output, err) = Repo.Run(Repo.MosBinary, "flowdump", "--pcap", Sample("http-drops.pcap"), "--out", dir);
            Assert.True(code == 0, err);
            Assert.Equal($"flowdump: 1 connection: 1 fin; 10702 bytes client->server, 5735 bytes server->client in {dir}/index.tsv\n", output);
            Assert.Equal("", err); // no progress bar when stderr is not a terminal
            Assert.Equal(new[] { "0.c2s", "0.s2c", "index.tsv" }, Directory.GetFiles(dir).Select(Path.GetFileName).Order());
            var lines = File.ReadAllLines(Path.Combine(dir, "index.tsv"));
            Assert.Equal("id\tclient\tserver\tfirst_ts\tlast_ts\tend\tclient_state\tserver_state\tmidstream\t" +
                         "packets_c2s\tpackets_s2c\tbytes_c2s\tbytes_s2c\tstream_c2s\tstream_s2c\trexmit_c2s\trexmit_s2c\t" +
                         "conflict_c2s\tconflict_s2c\tmissing_c2s\tmissing_s2c", lines[0]);
            Assert.Equal("0\t10.0.0.118:51534\t75.98.70.31:80\t1300991863.711112000\t1300992136.290671000\tfin\tTIME_WAIT\tCLOSED\t0\t" +
                         "26\t18\t10702\t5735\t10702\t5735\t0\t0\t0\t0\t2549\t542", lines[1]);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("GET /", File.ReadAllText(Path.Combine(dir, "0.c2s")));
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void flowdump_replaces_earlier_output_and_fills_holes_on_request()
    {
        string dir = TempDir();
        try
        {
            Assert.Equal(0, Repo.Run(Repo.MosBinary, "flowdump", "--pcap", Sample("three-http-streams.pcap"), "--out", dir).Code);
            File.WriteAllText(Path.Combine(dir, "keep.txt"), "not ours");
            var (code, _, err) = Repo.Run(Repo.MosBinary, "flowdump", "--pcap", Sample("http-drops.pcap"), "--out", dir,
                "--fill-holes", "--progress");
            Assert.Equal(0, code);
            Assert.Equal(new[] { "0.c2s", "0.s2c", "index.tsv", "keep.txt" }, Directory.GetFiles(dir).Select(Path.GetFileName).Order());
            Assert.Equal(10702 + 2549, new FileInfo(Path.Combine(dir, "0.c2s")).Length);
            Assert.Equal(5735 + 542, new FileInfo(Path.Combine(dir, "0.s2c")).Length);
            Assert.Contains("44/44 frames", err); // the progress bar, on stderr only
            Assert.EndsWith("1 connection\n", err); // its final state ends the line
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
