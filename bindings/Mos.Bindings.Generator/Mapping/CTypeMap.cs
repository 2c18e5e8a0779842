// The one mapping table from C type names to C# types. The generator applies it to
// the types libclang reports; the binding tests apply it to the C prototypes written
// in the specification, so both sides agree by construction.
namespace Mos.Bindings.Generator.Mapping;

public static class CTypeMap
{
    /// <summary>C built-in types (canonical spelling) and well-known system typedefs,
    /// mapped to exact-width C# types for x86-64 Linux (LP64). A typedef listed here
    /// wins over what it expands to: <c>off_t</c> is <c>long</c>, not <c>nint</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Built-in types. Plain char is text (byte, like char*); C bool is one byte and
        // is never marshalled.
        ["void"] = "void",
        ["_Bool"] = "byte",
        ["bool"] = "byte",
        ["char"] = "byte",
        ["signed char"] = "sbyte",
        ["unsigned char"] = "byte",
        ["short"] = "short",
        ["unsigned short"] = "ushort",
        ["int"] = "int",
        ["unsigned int"] = "uint",
        ["long"] = "nint",
        ["unsigned long"] = "nuint",
        ["long long"] = "long",
        ["unsigned long long"] = "ulong",
        ["float"] = "float",
        ["double"] = "double",
        // <stdint.h>
        ["int8_t"] = "sbyte",
        ["uint8_t"] = "byte",
        ["int16_t"] = "short",
        ["uint16_t"] = "ushort",
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["intptr_t"] = "nint",
        ["uintptr_t"] = "nuint",
        // <stddef.h>, <sys/types.h>, <sys/socket.h>, <netinet/in.h>
        ["size_t"] = "nuint",
        ["ssize_t"] = "nint",
        ["ptrdiff_t"] = "nint",
        ["off_t"] = "long",
        ["pid_t"] = "int",
        ["time_t"] = "long",
        ["socklen_t"] = "uint",
        ["sa_family_t"] = "ushort",
        ["in_addr_t"] = "uint",
        ["in_port_t"] = "ushort",
    };

    /// <summary>Foreign (system) structs that have a handwritten blittable mirror in
    /// bindings/Mos.Native/Posix.cs with the same name; pointers to them are typed.
    /// Pointers to any other foreign struct become <c>void*</c>.</summary>
    public static readonly IReadOnlyList<string> PosixMirrors = ["sockaddr", "sockaddr_in", "in_addr", "timeval", "iovec"];

    /// <summary>Spelling of a C unmanaged function pointer in C#: Cdecl, parameters then
    /// return type.</summary>
    public static string FunctionPointer(string returnType, IEnumerable<string> parameterTypes) =>
        "delegate* unmanaged[Cdecl]<" + string.Join(", ", parameterTypes.Append(returnType)) + ">";

    /// <summary>Canonical spelling of a built-in type written with optional keywords in
    /// any order ("unsigned", "long unsigned int", "signed") or null when the words are
    /// not a built-in type.</summary>
    public static string? CanonicalBuiltin(IReadOnlyList<string> words)
    {
        int longs = words.Count(w => w == "long");
        bool unsigned = words.Contains("unsigned");
        bool signed = words.Contains("signed");
        var rest = words.Where(w => w is not ("long" or "unsigned" or "signed" or "int")).ToList();
        bool hasInt = words.Contains("int");
        if (rest.Count > 1)
            return null;
        string? core = rest.Count == 1 ? rest[0] : null;
        return core switch
        {
            null when longs == 2 => unsigned ? "unsigned long long" : "long long",
            null when longs == 1 => unsigned ? "unsigned long" : "long",
            null when hasInt || unsigned || signed => unsigned ? "unsigned int" : "int",
            "short" => unsigned ? "unsigned short" : "short",
            "char" when unsigned => "unsigned char",
            "char" when signed => "signed char",
            "char" or "void" or "_Bool" or "bool" or "float" or "double" when longs == 0 && !unsigned && !signed && !hasInt => core,
            _ => null,
        };
    }
}
