// The generator on C constructs today's headers do not use but tomorrow's may: nested and
// unnamed records, typedef'd opaque handles, unsigned enums, keyword names, arrays of
// structs and multi-dimensional arrays. Layouts are checked against gcc via the probe.
using System.Diagnostics;
using System.Text.RegularExpressions;
using Mos.Bindings.Generator;
using Xunit;

namespace Mos.Native.Tests;

public class GeneratorEdgeCaseTests
{
    private const string EdgeHeader = """
        #ifndef EDGE_H
        #define EDGE_H
        #include <stdint.h>
        #include <stdbool.h>
        #include <stddef.h>
        #include <sys/time.h>

        typedef struct edge_engine edge_engine_t;
        typedef struct edge_other *edge_other_handle;
        enum edge_flags { EDGE_A = 1, EDGE_HIGH = 0xFFFFFFFFu };
        typedef enum { EDGE_X, EDGE_Y = -3 } edge_mode_t;

        struct edge_outer {
        	struct edge_inner { int x; } inner;
        	struct { short a; char b[3]; } pair;
        	struct { int q; } arr[2];
        	union { uint32_t u; float f; };
        	bool flag;
        	int event;
        	int string;
        	int grid[2][3];
        	size_t sizes[4];
        	struct timeval tvs[2];
        	void (*(*getter)(int))(void);
        	char name[16];
        };

        #define EDGE_NEG (-5)
        #define EDGE_BIG 0x100000000ULL
        #define EDGE_HUGE 0xFFFFFFFFFFFFFFFFULL
        #define EDGE_STR "a\"b\\c"
        #define EDGE_NOTCONST edge_fn(1)
        #define EDGE_FN(x) ((x) + 1)

        int edge_fn(int);
        /** Takes everything.
         * @param event an event & more <stuff>
         * @return 0 */
        int edge_call(edge_engine_t *e, edge_other_handle h, uint64_t event, struct edge_outer *o, bool b,
        	      edge_mode_t m, int arr[4]);
        bool (*edge_get_cb(void))(int string);
        #endif

        """;

    private static (string Include, Dictionary<string, string> Files) Generate(string header)
    {
        string include = TempDirs.Create("mos-edge-");
        File.WriteAllText(Path.Combine(include, "edge.h"), header);
        return (include, GeneratorFixture.ByName(GeneratorFixture.GenerateInto(include).Files));
    }

    [Fact]
    public void unusual_declarations_map_to_the_documented_csharp()
    {
        string cs = Generate(EdgeHeader).Files["Edge.g.cs"];
        string[] expected =
        [
            "public partial struct edge_engine\n{\n}",
            "public partial struct edge_other\n{\n}",
            "public enum edge_flags : uint",
            "EDGE_HIGH = 0xFFFFFFFF,",
            "public enum edge_mode_t : int",
            "public const int EDGE_Y = -3;",
            "[FieldOffset(20)] public float f;",
            "public edge_outer_pair pair;",
            "public InlineArray_edge_outer_arr_2 arr;",
            "public InlineArray_int_2x3 grid;",
            "public InlineArray_nuint_4 sizes;",
            "public byte flag;",
            "public int @event;",
            "public delegate* unmanaged[Cdecl]<int, delegate* unmanaged[Cdecl]<void>> getter;",
            "public fixed byte name[16];",
            "public const int EDGE_NEG = -5;",
            "public const long EDGE_BIG = 0x100000000;",
            "public const ulong EDGE_HUGE = 0xFFFFFFFFFFFFFFFF;",
            "public const string EDGE_STR = \"a\\\"b\\\\c\";",
            "// #define EDGE_NOTCONST edge_fn(1) — not bound: not a constant expression",
            "public static extern int edge_fn(int arg0);",
            "public static extern int edge_call(edge_engine* e, edge_other* h, ulong @event, edge_outer* o, byte b, int m, int* arr);",
            "public static extern delegate* unmanaged[Cdecl]<int, byte> edge_get_cb();",
            "/// <param name=\"event\">an event &amp; more &lt;stuff&gt;</param>",
            "public const string edge_other_handle = \"edge_other*\";",
        ];
        var missing = expected.Where(e => !cs.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "missing from Edge.g.cs:\n" + string.Join("\n", missing) + "\n---\n" + cs);
        Assert.DoesNotContain("EDGE_FN", cs, StringComparison.Ordinal);
    }

    [Fact]
    public void unusual_layouts_agree_with_gcc()
    {
        var (include, files) = Generate(EdgeHeader);
        List<ProbeRecord> probe = LayoutProbe.Parse(CompileAndRunProbe(include, files["layout_probe.c"]));
        string cs = files["Edge.g.cs"] + files["InlineArrays.g.cs"];
        var problems = new List<string>();
        foreach (ProbeRecord r in probe.Where(r => r.Name.StartsWith("edge_", StringComparison.Ordinal)))
            problems.AddRange(CompareWithText(cs, r));
        Assert.Contains(probe, r => r.Name == "edge_outer_pair" && r.Size == 6);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static IEnumerable<string> CompareWithText(string cs, ProbeRecord r)
    {
        string kind = r.Opaque ? "public partial struct " : "public unsafe partial struct ";
        if (!cs.Contains(kind + r.Name + "\n", StringComparison.Ordinal))
            yield return $"{r.Name}: no C# struct";
        if (!r.Opaque && !cs.Contains($"Size = {r.Size})]\n{kind}{r.Name}\n", StringComparison.Ordinal))
            yield return $"{r.Name}: C size {r.Size} not the C# Size";
        foreach (ProbeField f in r.Fields)
        {
            var field = new Regex($@"\[FieldOffset\({f.Offset}\)\] public [^;]* @?{f.Name}(\[\d+\])?;");
            if (!field.IsMatch(cs))
                yield return $"{r.Name}.{f.Name}: no field at C offset {f.Offset}";
        }
    }

    private static string CompileAndRunProbe(string include, string source)
    {
        string dir = TempDirs.Create("mos-edge-probe-");
        File.WriteAllText(Path.Combine(dir, "probe.c"), source);
        Run("cc", $"-Wall -Wextra -Werror -I {include} -o {dir}/probe {dir}/probe.c");
        return Run(Path.Combine(dir, "probe"), "");
    }

    private static string Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} failed: {errors}");
        return output;
    }

    [Theory]
    [InlineData("struct bits { unsigned a : 3; };", "bits.a: bit-fields are not supported")]
    [InlineData("int edge_printf(const char *fmt, ...);", "edge_printf: variadic functions are not supported")]
    [InlineData("struct edge_outer { struct sigaction s; };", "foreign structs by value")]
    [InlineData("int broken(", "the public headers do not compile")]
    public void unsupported_or_broken_c_is_an_error_naming_the_declaration(string declaration, string message)
    {
        string include = TempDirs.Create("mos-edge-bad-");
        File.WriteAllText(Path.Combine(include, "bad.h"), "#include <signal.h>\n" + declaration + "\n");
        var e = Assert.Throws<GeneratorException>(() => BindingGenerator.ReadModel(include));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
