// What the compiled Mos.Native assembly actually contains, read by reflection (tests
// only; Mos.Native itself uses none), spelled the way the generator spells C# types.
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mos.Native.Tests;

internal static class Reflected
{
    public static readonly Assembly Bindings = typeof(Mtcp).Assembly;

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int",
        [typeof(uint)] = "uint", [typeof(long)] = "long", [typeof(ulong)] = "ulong",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint", [typeof(float)] = "float",
        [typeof(double)] = "double",
    };

    /// <summary>Every extern of the bindings, by C name.</summary>
    public static Dictionary<string, MethodInfo> Externs() =>
        typeof(Mtcp).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.GetCustomAttribute<DllImportAttribute>() != null)
            .ToDictionary(m => m.GetCustomAttribute<DllImportAttribute>()!.EntryPoint ?? m.Name, StringComparer.Ordinal);

    /// <summary>Every constant of class Mtcp, by C name.</summary>
    public static Dictionary<string, object> Constants() =>
        typeof(Mtcp).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => f.GetRawConstantValue()!, StringComparer.Ordinal);

    /// <summary>Every Typedefs entry: C typedef name → C# type spelling.</summary>
    public static Dictionary<string, string> Typedefs() =>
        typeof(Typedefs).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);

    public static Type? Struct(string name) => Bindings.GetType("Mos.Native." + name);

    /// <summary>Public value types of the bindings that mirror C records (not enums, not
    /// the InlineArray helpers).</summary>
    public static IEnumerable<Type> RecordTypes() =>
        Bindings.GetExportedTypes().Where(t => t is { IsValueType: true, IsEnum: false, IsNested: false } &&
            t.GetCustomAttribute<InlineArrayAttribute>() == null);

    /// <summary>C# spelling of a type; pass a modified type (GetModifiedParameterType)
    /// to see the calling convention of function pointers.</summary>
    public static string Spell(Type t)
    {
        Type plain = t.UnderlyingSystemType;
        if (Keywords.TryGetValue(plain, out string? k))
            return k;
        if (t.IsPointer)
            return Spell(t.GetElementType()!) + "*";
        if (t.IsFunctionPointer)
            return SpellFunctionPointer(t);
        return plain.Name;
    }

    private static string SpellFunctionPointer(Type t)
    {
        string conv = t.IsUnmanagedFunctionPointer ? "unmanaged[" + Conventions(t) + "]" : "managed";
        var parts = t.GetFunctionPointerParameterTypes().Select(Spell).Append(Spell(t.GetFunctionPointerReturnType()));
        return $"delegate* {conv}<{string.Join(", ", parts)}>";
    }

    private static string Conventions(Type t) =>
        string.Join(", ", t.GetFunctionPointerCallingConventions().Select(c => c.Name.Replace("CallConv", "", StringComparison.Ordinal)));

    public static int SizeOf(Type t)
    {
        if (t.IsPointer || t.IsFunctionPointer)
            return IntPtr.Size;
        return (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;
    }

    /// <summary>A field of a generated struct by its C name (a field named like its
    /// struct gets a trailing underscore in C#).</summary>
    public static FieldInfo? Field(Type record, string cName) =>
        record.GetField(cName, BindingFlags.Public | BindingFlags.Instance) ??
        record.GetField(cName + "_", BindingFlags.Public | BindingFlags.Instance);

    /// <summary>Offset of a field as the runtime lays the struct out.</summary>
    public static int OffsetOf(Type record, FieldInfo field) => (int)Marshal.OffsetOf(record, field.Name);
}
