using System.Text.Json;

namespace Mos.Host.Tests;

/// <summary>The published NativeAOT `mos` run as a process, as users run it.</summary>
public class PublishedBinaryTests
{
    [Fact]
    public void binary_is_one_file_without_libmtcp_or_librte_dependencies()
    {
        var (code, output, _) = Repo.Run("ldd", Repo.MosBinary);
        Assert.Equal(0, code);
        Assert.DoesNotContain("libmtcp", output);
        Assert.DoesNotContain("librte", output);
        var siblings = Directory.GetFiles(Path.GetDirectoryName(Repo.MosBinary)!);
        Assert.Equal(new[] { Repo.MosBinary }, siblings);
    }

    [Fact]
    public void version_prints_versions_of_mos_dpdk_and_libpcap()
    {
        var (code, output, _) = Repo.Run(Repo.MosBinary, "version");
        Assert.Equal(0, code);
        Assert.StartsWith("mos 0.1.0 (implements the mos_release_0.3 API)", output);
        Assert.Matches(@"DPDK: +DPDK \d+\.\d+", output);
        Assert.Matches(@"libpcap: +libpcap version \d", output);
        Assert.Contains("I/O backends:", output);
    }

    [Fact]
    public void version_api_lists_every_function_once_with_a_state()
    {
        var (code, output, _) = Repo.Run(Repo.MosBinary, "version", "--api");
        Assert.Equal(0, code);
        var rows = output.Split('\n').SkipWhile(l => !l.StartsWith("FUNCTION")).Skip(1)
            .TakeWhile(l => l.Length > 0).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var expected = BuildInfo.ApiTable();
        Assert.Equal(expected.Select(r => r.Name), rows.Select(r => r[0]));
        Assert.Contains(rows, r => r[0] == "mtcp_getconf" && r[2] == "works");
        // Each row's state column agrees with the library's own table.
        foreach (var (row, want) in rows.Zip(expected))
            Assert.Equal(want.State == ApiState.NotYet ? "not" : want.State == ApiState.Works ? "works" : "partial", row[2]);
        Assert.Matches(@"\d+ functions: \d+ work, \d+ partial, \d+ not yet", output);
    }

    [Fact]
    public void config_check_accepts_every_bundled_config()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.Root, "config"), "*.conf").OrderBy(f => f).ToArray();
        Assert.NotEmpty(files);
        var (code, output, error) = Repo.Run(Repo.MosBinary, new[] { "config", "check" }.Concat(files).ToArray());
        Assert.True(code == 0, error);
        foreach (var f in files)
            Assert.Contains($"{f}: ok", output);
    }

    [Fact]
    public void config_check_on_a_misspelled_key_exits_2_and_names_the_line()
    {
        string text = File.ReadAllText(Repo.Config("mos.conf"));
        var lines = text.Split('\n');
        int index = Array.FindIndex(lines, l => l.TrimStart().StartsWith("max_concurrency"));
        Assert.True(index >= 0, "config/mos.conf has no max_concurrency line to misspell");
        lines[index] = lines[index].Replace("max_concurrency", "max_concurency");
        int column = lines[index].IndexOf("max_concurency", StringComparison.Ordinal) + 1;
        using var bad = new Repo.TempFile(string.Join('\n', lines));

        var (code, _, error) = Repo.Run(Repo.MosBinary, "config", "check", bad.Path);

        Assert.Equal(2, code);
        Assert.Contains($"{bad.Path}:{index + 1}:{column}: unknown key 'max_concurency' in block 'mos' (did you mean 'max_concurrency'?)", error);
    }

    [Fact]
    public void config_check_reports_every_error_of_a_file_and_of_every_file()
    {
        using var bad = new Repo.TempFile("mos {\n  forward = 2\n  tcp_timeout = ten\n  netdev {\n    dpdk0 0x0\n  }\n}\n");
        using var missing = new Repo.TempFile("");
        File.Delete(missing.Path);

        var (code, _, error) = Repo.Run(Repo.MosBinary, "config", "check", bad.Path, missing.Path);

        Assert.Equal(2, code);
        Assert.Contains($"{bad.Path}:2:", error);
        Assert.Contains($"{bad.Path}:3:", error);
        Assert.Contains($"{bad.Path}:5:", error);
        Assert.Contains(missing.Path, error);
    }

    [Fact]
    public void config_show_prints_a_config_that_parses_back_to_the_same_text()
    {
        var (code, shown, error) = Repo.Run(Repo.MosBinary, "config", "show", Repo.Config("mos.conf"));
        Assert.True(code == 0, error);
        Assert.Contains("max_concurrency", shown);
        using var again = new Repo.TempFile(shown);
        var (code2, shownAgain, _) = Repo.Run(Repo.MosBinary, "config", "show", again.Path);
        Assert.Equal(0, code2);
        // Identical but for the first comment line, which names the source file.
        Assert.Equal(shown[shown.IndexOf('\n')..], shownAgain[shownAgain.IndexOf('\n')..]);
    }

    [Fact]
    public void config_show_json_is_valid_json_with_defaults_filled_in()
    {
        var (code, json, error) = Repo.Run(Repo.MosBinary, "config", "show", Repo.Config("end-host.conf"), "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(json);
        var mos = doc.RootElement.GetProperty("mos");
        Assert.Equal(65536, mos.GetProperty("wmem_size").GetInt32()); // from the file
        Assert.Equal(0, mos.GetProperty("nb_mem_channels").GetInt32()); // a default
        Assert.True(mos.GetProperty("netdev").GetArrayLength() >= 1);
        Assert.True(doc.RootElement.GetProperty("derived").GetProperty("num_cores").GetInt32() >= 1);
    }

    [Theory]
    [InlineData(64, "frobnicate")]
    [InlineData(64, "config", "check")]
    [InlineData(64, "version", "--bogus")]
    [InlineData(64, "config", "show", "a.conf", "b.conf")]
    [InlineData(0, "help")]
    [InlineData(0, "--help")]
    [InlineData(0, "config", "check", "--help")]
    [InlineData(0, "help", "config", "show")]
    public void exit_codes_follow_the_documented_convention(int expected, params string[] args)
    {
        var (code, _, _) = Repo.Run(Repo.MosBinary, args);
        Assert.Equal(expected, code);
    }

    [Fact]
    public void help_lists_every_command_and_the_exit_codes()
    {
        var (code, output, _) = Repo.Run(Repo.MosBinary, "help");
        Assert.Equal(0, code);
        foreach (var cmd in new[] { "version", "config check", "config show" })
            Assert.Contains(cmd, output);
        Assert.Contains("64 usage error", output);
    }
}
