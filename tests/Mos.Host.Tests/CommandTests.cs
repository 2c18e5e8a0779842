using Mos.Host.Cli;
using Mos.Host.Commands;

namespace Mos.Host.Tests;

/// <summary>Host commands run in-process (JIT) with captured output.</summary>
public class CommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var app = new CommandLineApp("mos", "test", new ICommand[]
        {
            new VersionCommand(), new ConfigCheckCommand(), new ConfigShowCommand(),
        });
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = app.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void unknown_option_is_a_usage_error_naming_the_option()
    {
        var (code, _, err) = Run("config", "show", "--yaml", Repo.Config("mos.conf"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("unknown option '--yaml'", err);
    }

    [Fact]
    public void config_check_warning_only_file_is_valid_and_prints_the_warning()
    {
        string text = File.ReadAllText(Repo.Config("mos.conf")).Replace("mos {", "mos {\n  port = dpdk0");
        using var f = new Repo.TempFile(text);
        var (code, output, err) = Run("config", "check", f.Path);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains($"{f.Path}: ok", output);
        int line = Array.FindIndex(text.Split('\n'), l => l.Contains("port = dpdk0")) + 1;
        Assert.Contains($"{f.Path}:{line}:3: warning: port", err);
        Assert.Contains("warning:", err);
    }

    [Fact]
    public void every_command_has_help_with_usage_and_exit_codes()
    {
        foreach (var cmd in new[] { "version", "config check", "config show" })
        {
            var (code, output, _) = Run((cmd + " --help").Split(' '));
            Assert.Equal(ExitCodes.Ok, code);
            Assert.Contains("Usage: mos " + cmd, output);
            Assert.Contains("Exit codes:", output);
        }
    }
}
