// Command line of the generator.
namespace Mos.Bindings.Generator;

/// <summary>The command line; public so the binding tests can run it in-process.</summary>
public static class Cli
{
    private const string Usage = """
        Mos.Bindings.Generator — regenerates the C# bindings of the public C headers.

        usage: dotnet run --project bindings/Mos.Bindings.Generator -- [options]

          --repo DIR          repository root (default: found from the current directory)
          --include-dir DIR   public headers (default: <repo>/native/mtcp/include)
          --out-dir DIR       generated C# (default: <repo>/bindings/Mos.Native/Generated)
          --probe-file FILE   C layout probe (default: <repo>/native/tools/layout_probe.c,
                              or <out-dir>/layout_probe.c when --out-dir is given)
          --resource-dir DIR  clang resource directory (default: Debian clang 14's)
          --check             write nothing; exit 1 and list the files that would change
        """;

    public static int Run(string[] args)
    {
        try
        {
            if (args.Contains("--help") || args.Contains("-h"))
            {
                Console.WriteLine(Usage);
                return 0;
            }
            var (options, check) = Parse(args);
            return check ? Check(options) : Write(options);
        }
        catch (GeneratorException e)
        {
            Console.Error.WriteLine("mos-bindgen: error: " + e.Message);
            return 2;
        }
    }

    private static int Check(GeneratorOptions o)
    {
        List<string> stale = BindingGenerator.Stale(o, BindingGenerator.Generate(o));
        foreach (string path in stale)
            Console.WriteLine("stale: " + Relative(path));
        if (stale.Count == 0)
            return 0;
        Console.Error.WriteLine("mos-bindgen: bindings are out of date; run: dotnet run --project bindings/Mos.Bindings.Generator");
        return 1;
    }

    private static int Write(GeneratorOptions o)
    {
        List<string> changed = BindingGenerator.Write(o, BindingGenerator.Generate(o));
        foreach (string path in changed)
            Console.WriteLine("updated: " + Relative(path));
        Console.WriteLine(changed.Count == 0 ? "mos-bindgen: bindings up to date" : $"mos-bindgen: {changed.Count} file(s) updated");
        return 0;
    }

    private static string Relative(string path) => Path.GetRelativePath(Environment.CurrentDirectory, path);

    private static (GeneratorOptions, bool) Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool check = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--check")
                check = true;
            else if (a is "--repo" or "--include-dir" or "--out-dir" or "--probe-file" or "--resource-dir")
                values[a] = i + 1 < args.Length ? args[++i] : throw new GeneratorException($"{a} needs a value");
            else
                throw new GeneratorException($"unknown argument '{a}' (see --help)");
        }
        return (Options(values), check);
    }

    private static GeneratorOptions Options(Dictionary<string, string> v)
    {
        // The repository is only looked up when a default path needs it.
        var repo = new Lazy<string>(() => Path.GetFullPath(v.GetValueOrDefault("--repo") ?? FindRepo(Environment.CurrentDirectory)));
        string include = v.GetValueOrDefault("--include-dir") ?? Path.Combine(repo.Value, "native", "mtcp", "include");
        string? outDir = v.GetValueOrDefault("--out-dir");
        string probe = v.GetValueOrDefault("--probe-file") ??
            (outDir != null ? Path.Combine(outDir, "layout_probe.c") : Path.Combine(repo.Value, "native", "tools", "layout_probe.c"));
        outDir ??= Path.Combine(repo.Value, "bindings", "Mos.Native", "Generated");
        return new GeneratorOptions(Path.GetFullPath(include), Path.GetFullPath(outDir), Path.GetFullPath(probe),
            v.GetValueOrDefault("--resource-dir"));
    }

    /// <summary>The nearest directory at or above <paramref name="start"/> holding
    /// native/mtcp/include.</summary>
    public static string FindRepo(string start)
    {
        for (string? dir = Path.GetFullPath(start); dir != null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(Path.Combine(dir, "native", "mtcp", "include")))
                return dir;
        }
        throw new GeneratorException($"no repository root (a directory with native/mtcp/include) at or above {start}; pass --repo");
    }
}
