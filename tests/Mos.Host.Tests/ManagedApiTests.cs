namespace Mos.Host.Tests;

/// <summary>The managed API over libmtcp.so under the JIT.</summary>
public class ManagedApiTests
{
    [Fact]
    public void configuration_parse_collects_every_diagnostic_with_positions()
    {
        var result = Configuration.Parse("mos {\n  bogus = 1\n  netdev {\n  }\n}\n", "inline.conf");
        Assert.False(result.Ok);
        var d = Assert.Single(result.Diagnostics, x => x.Message.Contains("bogus"));
        Assert.Equal("inline.conf", d.File);
        Assert.Equal(2, d.Line);
        Assert.Equal(3, d.Column);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.StartsWith("inline.conf:2:3: ", d.ToString());
    }

    [Fact]
    public void configuration_set_validates_and_leaves_the_config_unchanged_on_error()
    {
        var result = Configuration.Load(Repo.Config("mos.conf"));
        Assert.True(result.Ok, string.Join('\n', result.Diagnostics));
        using var cfg = result.Config!;
        Assert.Empty(cfg.Set("max_concurrency", "2048"));
        Assert.Contains("max_concurrency = 2048", cfg.Render(ConfigFormat.Conf));
        var errors = cfg.Set("max_concurrency", "-5");
        Assert.NotEmpty(errors);
        Assert.Contains("max_concurrency = 2048", cfg.Render(ConfigFormat.Conf));
    }

    [Fact]
    public void load_of_a_missing_file_reports_it()
    {
        var result = Configuration.Load("/nonexistent/mos.conf");
        Assert.False(result.Ok);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains("/nonexistent/mos.conf"));
    }

    [Fact]
    public void build_info_reports_versions_and_a_consistent_api_table()
    {
        Assert.Equal("0.1.0", BuildInfo.Version);
        Assert.NotNull(BuildInfo.DpdkVersion);
        var table = BuildInfo.ApiTable();
        Assert.Equal(table.Count, table.Select(r => r.Name).Distinct().Count());
        Assert.All(table.Where(r => r.State == ApiState.Partial), r => Assert.False(string.IsNullOrEmpty(r.Note)));
    }

    [Fact]
    public void mos_exception_names_the_errno()
    {
        var e = new MosException("mtcp_socket", Errno.ENOSYS);
        Assert.Equal("ENOSYS", e.ErrnoName);
        Assert.Contains("mtcp_socket failed: ENOSYS", e.Message);
    }
}
