using Mos.Host.Cli;

namespace Mos.Host.Commands;

/// <summary>Loads --config FILE and applies --set KEY=VALUE overrides: the shared start of
/// every command that runs the stack. Diagnostics go to stderr.</summary>
internal static class StackSetup
{
    public const string SetHelp = "  --set KEY=VALUE   override a key of the mos block (repeatable), e.g. --set max_concurrency=4096";

    /// <summary>The configuration, or null after printing why (exit code 2).</summary>
    public static Configuration? Load(ArgReader a, TextWriter stderr)
    {
        var result = Configuration.Load(a.Required("--config"));
        foreach (var d in result.Diagnostics)
            stderr.WriteLine(d);
        if (result.Config is not { } cfg)
            return null;
        return ApplySets(cfg, a, stderr) ? cfg : null;
    }

    /// <summary>Applies every --set KEY=VALUE to <paramref name="cfg"/>; false (and the
    /// configuration disposed) after printing an error.</summary>
    public static bool ApplySets(Configuration cfg, ArgReader a, TextWriter stderr)
    {
        foreach (var kv in a.Values("--set"))
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0)
            {
                cfg.Dispose();
                throw new UsageException($"--set needs KEY=VALUE, got '{kv}'");
            }
            var errors = cfg.Set(kv[..eq], kv[(eq + 1)..]);
            foreach (var d in errors)
                stderr.WriteLine(d);
            if (errors.Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                cfg.Dispose();
                return false;
            }
        }
        return true;
    }
}
