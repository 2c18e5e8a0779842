namespace Mos.Host.Cli;

/// <summary>Splits a command's arguments into known flags and positionals; anything
/// else that starts with '-' is a usage error.</summary>
public sealed class ArgReader
{
    private readonly HashSet<string> _flags = new();
    private readonly List<string> _positionals = new();

    public ArgReader(IReadOnlyList<string> args, params string[] knownFlags)
    {
        bool onlyPositionals = false;
        foreach (var a in args)
        {
            if (!onlyPositionals && a == "--")
                onlyPositionals = true;
            else if (!onlyPositionals && a.StartsWith('-') && a.Length > 1)
            {
                if (!knownFlags.Contains(a))
                    throw new UsageException($"unknown option '{a}'");
                _flags.Add(a);
            }
            else
                _positionals.Add(a);
        }
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public IReadOnlyList<string> Positionals => _positionals;
}
