// Helper structs for C array fields that a C# `fixed` buffer cannot hold: arrays of
// pointers, structs, nint/nuint, and multi-dimensional arrays (nested inline arrays).
using Mos.Bindings.Generator.Model;

namespace Mos.Bindings.Generator.Emit;

internal sealed class InlineArrays
{
    /// <summary>Element types a C# fixed-size buffer accepts.</summary>
    private static readonly HashSet<string> FixedElementTypes = new(StringComparer.Ordinal)
    {
        "byte", "sbyte", "short", "ushort", "int", "uint", "long", "ulong", "float", "double",
    };

    private readonly SortedDictionary<string, (long Length, string Element)> helpers = new(StringComparer.Ordinal);

    public IReadOnlyCollection<KeyValuePair<string, (long Length, string Element)>> Helpers => helpers;

    /// <summary>True when the array is emitted as <c>fixed T name[N]</c>.</summary>
    public static bool IsFixedBuffer(CsArray a) =>
        a.Dims.Count == 1 && a.Element is CsPrimitive p && FixedElementTypes.Contains(p.Name);

    /// <summary>Element type stored in an inline array: pointers of any kind are kept as
    /// nint (C# does not allow pointer elements there).</summary>
    public static string ElementSpelling(CsType t) => t switch
    {
        CsPointer or CsFunctionPointer => "nint",
        _ => t.Spell(),
    };

    /// <summary>Name of the helper for <paramref name="a"/>, registering it and the
    /// helpers of its inner dimensions.</summary>
    public string Use(CsArray a) => Use(ElementSpelling(a.Element), a.Dims);

    private string Use(string element, IReadOnlyList<long> dims)
    {
        string name = $"InlineArray_{element}_{string.Join("x", dims)}";
        string inner = dims.Count == 1 ? element : Use(element, dims.Skip(1).ToList());
        helpers[name] = (dims[0], inner);
        return name;
    }
}
