// The bindings against the specification: every constant of §2 with its value, every
// prototype of §3–§7 with its mapped signature, every typedef and struct of the §3–§7
// code blocks. Each test reports all mismatches at once.
using System.Reflection;
using System.Text.RegularExpressions;
using Mos.Bindings.Generator.Mapping;
using Xunit;

namespace Mos.Native.Tests;

public partial class SpecContractTests
{
    /// <summary>Values the spec gives for standalone mTCP only; our headers are the mOS
    /// flavour and must not declare them.</summary>
    private static readonly HashSet<string> StandaloneMtcpOnly = new(StringComparer.Ordinal)
    {
        "MTCP_SOCK_UNUSED", "MTCP_SOCK_STREAM", "MTCP_SOCK_PROXY", "MTCP_SOCK_LISTENER", "MTCP_SOCK_EPOLL",
        "MTCP_SOCK_PIPE", "MTCP_EPOLLNONE", "MTCP_EPOLLIN", "MTCP_EPOLLPRI", "MTCP_EPOLLOUT", "MTCP_EPOLLERR",
        "MTCP_EPOLLHUP", "MTCP_EPOLLRDNORM", "MTCP_EPOLLRDBAND", "MTCP_EPOLLWRNORM", "MTCP_EPOLLWRBAND",
        "MTCP_EPOLLMSG", "MTCP_EPOLLRDHUP", "MTCP_EPOLLONESHOT", "MTCP_EPOLLET", "MTCP_EPOLL_CTL_ADD",
        "MTCP_EPOLL_CTL_DEL", "MTCP_EPOLL_CTL_MOD",
    };

    /// <summary>Internal values of the original stack that the public headers do not
    /// declare (§2.5 internal state, §2.10 stack tunables); checked only if declared.</summary>
    private static readonly HashSet<string> InternalUnlessDeclared = new(StringComparer.Ordinal)
    {
        "TCP_ST_CLOSED_RSVD", "ETHERNET_FRAME_LEN", "UNITBUFSIZE", "TCP_DEFAULT_MSS", "TCP_DEFAULT_WSCALE",
        "TCP_INITIAL_WINDOW", "TCP_MAX_RTX", "TCP_MAX_SYN_RETRY", "TCP_MAX_BACKOFF", "BACKLOG_SIZE", "TCP_MAX_WINDOW",
    };

    [Fact]
    public void every_constant_of_spec_section_2_is_generated_with_its_value()
    {
        var constants = Reflected.Constants();
        var spec = SpecDocument.Constants();
        Assert.True(spec.Count >= 90, $"only {spec.Count} constants parsed from §2: has the spec format changed?");
        var problems = new List<string>();
        foreach (SpecConstant c in spec)
        {
            if (StandaloneMtcpOnly.Contains(c.Name))
            {
                if (constants.ContainsKey(c.Name))
                    problems.Add($"§{c.Section} {c.Name}: standalone-mTCP name must not be in the mOS headers");
                continue;
            }
            if (!constants.TryGetValue(c.Name, out object? value))
            {
                if (!InternalUnlessDeclared.Contains(c.Name))
                    problems.Add($"§{c.Section} {c.Name}: not generated (spec value {c.Value})");
                continue;
            }
            decimal actual = Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture);
            if (actual != c.Value)
                problems.Add($"§{c.Section} {c.Name}: spec {c.Value}, generated {actual} ({value.GetType().Name})");
        }
        Assert.True(problems.Count == 0, "constant mismatches:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void bit_31_values_are_unsigned_0x80000000_as_the_spec_asks()
    {
        Assert.Equal(0x80000000u, Mtcp.MOS_HK_SND);
        Assert.Equal(0x80000000u, Mtcp.MOS_EPOLLET);
        Assert.Equal(typeof(uint), Enum.GetUnderlyingType(typeof(mtcp_hook_point)));
        Assert.Equal(typeof(uint), Enum.GetUnderlyingType(typeof(epoll_event_type)));
        Assert.Equal(int.MinValue, unchecked((int)Mtcp.MOS_HK_SND)); // what C passes as `int hook_point`
    }

    [Fact]
    public void every_prototype_of_spec_sections_3_to_7_matches_a_generated_extern()
    {
        var externs = Reflected.Externs();
        var prototypes = SpecDocument.Prototypes();
        Assert.True(prototypes.Count >= 50, $"only {prototypes.Count} prototypes parsed from §3–§7: has the spec format changed?");
        var problems = new List<string>();
        foreach (SpecPrototype p in prototypes)
            problems.AddRange(CompareFunction(p, externs));
        Assert.True(problems.Count == 0, "prototype mismatches:\n  " + string.Join("\n  ", problems));
    }

    private static IEnumerable<string> CompareFunction(SpecPrototype p, Dictionary<string, MethodInfo> externs)
    {
        if (!externs.TryGetValue(p.Name, out MethodInfo? m))
        {
            yield return $"{p.Name}: in the spec ({p.Text}) but not generated";
            yield break;
        }
        string? ret = Expect(p.ReturnType + " x", p.Name + " return", out string? retError);
        if (retError != null)
            yield return retError;
        else if (ret != Reflected.Spell(m.ReturnParameter.GetModifiedParameterType()))
            yield return $"{p.Name}: return {p.ReturnType} maps to {ret}, generated {Reflected.Spell(m.ReturnParameter.GetModifiedParameterType())}";
        if (p.Elided)
            yield break;
        ParameterInfo[] actual = m.GetParameters();
        if (actual.Length != p.Params.Count)
        {
            yield return $"{p.Name}: spec has {p.Params.Count} parameters, generated {actual.Length}";
            yield break;
        }
        for (int i = 0; i < actual.Length; i++)
        {
            string? problem = CompareParameter(p, i, actual[i]);
            if (problem != null)
                yield return problem;
        }
    }

    private static string? CompareParameter(SpecPrototype p, int i, ParameterInfo actual)
    {
        string? expected = Expect(p.Params[i], $"{p.Name} parameter {i + 1}", out string? error);
        if (error != null)
            return error;
        string generated = Reflected.Spell(actual.GetModifiedParameterType());
        return expected == generated ? null : $"{p.Name} parameter {i + 1} '{p.Params[i]}': spec maps to {expected}, generated {generated}";
    }

    private static string? Expect(string decl, string where, out string? error)
    {
        MappedDecl d = CDeclText.Map(decl);
        error = d.Error == null ? null : $"{where}: {d.Error}";
        return d.CsType;
    }

    [Fact]
    public void every_typedef_of_the_spec_code_blocks_maps_like_the_generated_typedef()
    {
        var typedefs = Reflected.Typedefs();
        var statements = SpecDocument.CodeStatements().Where(s => s.StartsWith("typedef ", StringComparison.Ordinal)).ToList();
        Assert.True(statements.Count >= 10, $"only {statements.Count} typedefs found in §3–§7 code blocks");
        var problems = new List<string>();
        foreach (string s in statements)
        {
            var (name, expected, error) = ExpectTypedef(s);
            if (error != null)
                problems.Add($"{s}: {error}");
            else if (!typedefs.TryGetValue(name, out string? generated))
                problems.Add($"{name}: in the spec but not a generated typedef");
            else if (generated != expected)
                problems.Add($"{name}: spec maps to {expected}, generated {generated}");
        }
        Assert.True(problems.Count == 0, "typedef mismatches:\n  " + string.Join("\n  ", problems));
    }

    private static (string Name, string? Expected, string? Error) ExpectTypedef(string statement)
    {
        Match fn = FunctionTypedefRegex().Match(statement);
        if (fn.Success)
        {
            MappedDecl ret = CDeclText.Map(fn.Groups["ret"].Value + " x");
            var ps = fn.Groups["args"].Value.Trim() == "void" ? [] : CDeclText.SplitParams(fn.Groups["args"].Value).Select(CDeclText.Map).ToList();
            string? error = ret.Error ?? ps.Select(p => p.Error).FirstOrDefault(e => e != null);
            return (fn.Groups["name"].Value, error == null ? CTypeMap.FunctionPointer(ret.CsType!, ps.Select(p => p.CsType!)) : null, error);
        }
        Match record = RecordTypedefRegex().Match(statement);
        if (record.Success)
        {
            string name = record.Groups["name"].Value;
            return (name, record.Groups["tag"].Success ? record.Groups["tag"].Value : name, null);
        }
        MappedDecl d = CDeclText.Map(statement["typedef ".Length..]);
        return (d.Name ?? "?", d.CsType, d.Error);
    }

    [Fact]
    public void every_struct_of_the_spec_code_blocks_exists_with_its_fields()
    {
        var problems = new List<string>();
        int checkedRecords = 0;
        foreach (string s in SpecDocument.CodeStatements())
        {
            Match m = RecordBodyRegex().Match(s);
            if (!m.Success)
                continue;
            string name = m.Groups["tag"].Success ? m.Groups["tag"].Value : m.Groups["name"].Value;
            checkedRecords++;
            problems.AddRange(CompareFields(name, m.Groups["body"].Value));
        }
        Assert.True(checkedRecords >= 6, $"only {checkedRecords} struct bodies found in §3–§7 code blocks");
        Assert.True(problems.Count == 0, "struct mismatches:\n  " + string.Join("\n  ", problems));
    }

    private static IEnumerable<string> CompareFields(string record, string body)
    {
        Type? t = Reflected.Struct(record);
        if (t == null)
        {
            yield return $"{record}: in the spec but not generated";
            yield break;
        }
        string flat = InnerRecordRegex().Replace(body, " ");
        foreach (string decl in flat.Split(';').Select(d => d.Trim()).Where(d => d.Length > 0))
        {
            MappedDecl f = CDeclText.Map(decl);
            if (f.Name == null || Reflected.Field(t, f.Name) == null)
                yield return $"{record}: field '{decl}' not in the C# struct";
        }
    }

    [GeneratedRegex(@"^typedef\s+(?<ret>[\w\s\*]+?)\s*\(\s*\*\s*(?<name>\w+)\s*\)\s*\((?<args>.*)\)$")]
    private static partial Regex FunctionTypedefRegex();

    [GeneratedRegex(@"^typedef\s+(?:struct|union)\s*(?<tag>\w+)?\s*\{.*\}\s*(?<name>\w+)$")]
    private static partial Regex RecordTypedefRegex();

    [GeneratedRegex(@"^(?:typedef\s+)?(?:struct|union)\s*(?<tag>\w+)?\s*\{(?<body>.*)\}\s*(?<name>\w+)?$")]
    private static partial Regex RecordBodyRegex();

    [GeneratedRegex(@"(?:struct|union)\s*\{|\}")]
    private static partial Regex InnerRecordRegex();
}
