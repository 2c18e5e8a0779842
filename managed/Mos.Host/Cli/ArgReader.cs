namespace Mos.Host.Cli;

/// <summary>Splits a command's arguments into known flags (<c>--json</c>), known options
/// with a value (<c>--config FILE</c> or <c>--config=FILE</c>, repeatable) and
/// positionals; anything else that starts with '-' is a usage error.</summary>
public sealed class ArgReader
{
    private readonly HashSet<string> _flags = new();
    private readonly Dictionary<string, List<string>> _options = new();
    private readonly List<string> _positionals = new();

    public ArgReader(IReadOnlyList<string> args, params string[] known)
    {
        var flags = known.Where(k => !k.EndsWith('=')).ToHashSet();
        var valued = known.Where(k => k.EndsWith('=')).Select(k => k.TrimEnd('=')).ToHashSet();
        bool onlyPositionals = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (onlyPositionals || !a.StartsWith('-') || a.Length == 1)
            {
                _positionals.Add(a);
                continue;
            }
            if (a == "--")
            {
                onlyPositionals = true;
                continue;
            }
            string name = a.Contains('=') ? a[..a.IndexOf('=')] : a;
            if (valued.Contains(name))
            {
                string? value = a.Contains('=') ? a[(a.IndexOf('=') + 1)..] : (i + 1 < args.Count ? args[++i] : null);
                if (value is null)
                    throw new UsageException($"option '{name}' needs a value");
                if (!_options.TryGetValue(name, out var list))
                    _options[name] = list = new List<string>();
                list.Add(value);
            }
            else if (flags.Contains(a))
                _flags.Add(a);
            else
                throw new UsageException($"unknown option '{a}'");
        }
    }

    public bool Has(string flag) => _flags.Contains(flag);

    /// <summary>The last value of an option, or null.</summary>
    public string? Value(string option) => _options.TryGetValue(option, out var l) ? l[^1] : null;

    /// <summary>Every value of a repeatable option.</summary>
    public IReadOnlyList<string> Values(string option) =>
        _options.TryGetValue(option, out var l) ? l : Array.Empty<string>();

    /// <summary>The value of a required option.</summary>
    public string Required(string option) => Value(option) ?? throw new UsageException($"missing {option}");

    public IReadOnlyList<string> Positionals => _positionals;
}
