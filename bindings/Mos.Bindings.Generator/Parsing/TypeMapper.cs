// Maps libclang types to blittable C# types with the table in CTypeMap.
using Mos.Bindings.Generator.Clang;
using Mos.Bindings.Generator.Mapping;
using Mos.Bindings.Generator.Model;

namespace Mos.Bindings.Generator.Parsing;

internal sealed class TypeMapper(RecordTable records, Func<CXCursor, bool> isLocal)
{
    private static readonly Dictionary<int, string> BuiltinSpelling = new()
    {
        [TypeKind.Void] = "void",
        [TypeKind.Bool] = "_Bool",
        [TypeKind.CharS] = "char",
        [TypeKind.CharU] = "char",
        [TypeKind.SChar] = "signed char",
        [TypeKind.UChar] = "unsigned char",
        [TypeKind.Short] = "short",
        [TypeKind.UShort] = "unsigned short",
        [TypeKind.Int] = "int",
        [TypeKind.UInt] = "unsigned int",
        [TypeKind.Long] = "long",
        [TypeKind.ULong] = "unsigned long",
        [TypeKind.LongLong] = "long long",
        [TypeKind.ULongLong] = "unsigned long long",
        [TypeKind.Float] = "float",
        [TypeKind.Double] = "double",
    };

    /// <summary>Maps a type used by value: a return value, field or typedef.</summary>
    public CsType Map(CXType type, string where) => MapCore(type, where, pointee: false);

    /// <summary>Maps a parameter type: an array parameter is the pointer it decays to.</summary>
    public CsType MapParameter(CXType type, string where)
    {
        CsType mapped = Map(type, where);
        if (mapped is not CsArray array)
            return mapped;
        if (array.Dims.Count > 1)
            throw new GeneratorException($"{where}: multi-dimensional array parameters are not supported by the binding generator");
        return new CsPointer(array.Element);
    }

    private CsType MapCore(CXType type, string where, bool pointee)
    {
        CXType t = Cx.Desugar(type);
        return t.Kind switch
        {
            TypeKind.Typedef => MapTypedef(t, where, pointee),
            TypeKind.Pointer => MapPointer(LibClang.clang_getPointeeType(t), where),
            TypeKind.Record => MapRecord(t, where, pointee),
            TypeKind.Enum => Map(LibClang.clang_getEnumDeclIntegerType(LibClang.clang_getTypeDeclaration(t)), where),
            TypeKind.ConstantArray => MapArray(t, where),
            TypeKind.IncompleteArray => throw Unsupported(t, where, "arrays without a size"),
            _ when Cx.IsFunction(t) || t.Kind == TypeKind.FunctionProto =>
                pointee ? MapFunction(t, where) : throw Unsupported(t, where, "function types used by value"),
            TypeKind.FunctionNoProto => throw Unsupported(t, where, "functions without a prototype, write (void)"),
            _ => MapBuiltin(t, where),
        };
    }

    private CsType MapTypedef(CXType t, string where, bool pointee)
    {
        string name = Cx.Take(LibClang.clang_getTypedefName(t));
        if (CTypeMap.Names.TryGetValue(name, out string? cs))
            return cs == "void" ? CsVoid.Instance : new CsPrimitive(cs);
        CXCursor decl = LibClang.clang_getTypeDeclaration(t);
        CXType next = isLocal(decl) ? LibClang.clang_getTypedefDeclUnderlyingType(decl) : LibClang.clang_getCanonicalType(t);
        return MapCore(next, where, pointee);
    }

    private CsType MapPointer(CXType pointee, string where)
    {
        CsType target = MapCore(pointee, where, pointee: true);
        return target is CsFunctionPointer ? target : new CsPointer(target);
    }

    private CsType MapRecord(CXType t, string where, bool pointee)
    {
        string? name = records.CsName(LibClang.clang_getTypeDeclaration(t));
        if (name != null)
            return new CsStructRef(name);
        if (pointee)
            return CsVoid.Instance; // a foreign struct seen only through pointers: void*
        throw Unsupported(t, where, "foreign structs by value (add a mirror to CTypeMap.PosixMirrors)");
    }

    private CsArray MapArray(CXType t, string where)
    {
        var dims = new List<long>();
        CXType element = t;
        while (element.Kind == TypeKind.ConstantArray)
        {
            dims.Add(LibClang.clang_getArraySize(element));
            element = Cx.Desugar(LibClang.clang_getArrayElementType(element));
        }
        return new CsArray(Map(element, where), dims);
    }

    private CsFunctionPointer MapFunction(CXType fn, string where)
    {
        if (LibClang.clang_isFunctionTypeVariadic(fn) != 0)
            throw Unsupported(fn, where, "variadic function pointers");
        if (LibClang.clang_getFunctionTypeCallingConv(fn) != LibClang.CallingConvC)
            throw Unsupported(fn, where, "calling conventions other than C");
        int n = LibClang.clang_getNumArgTypes(fn);
        var args = new List<CsType>(n);
        for (uint i = 0; i < n; i++)
            args.Add(Map(LibClang.clang_getArgType(fn, i), where));
        return new CsFunctionPointer(Map(LibClang.clang_getResultType(fn), where), args);
    }

    private static CsType MapBuiltin(CXType t, string where)
    {
        if (BuiltinSpelling.TryGetValue(t.Kind, out string? c) && CTypeMap.Names.TryGetValue(c, out string? cs))
            return cs == "void" ? CsVoid.Instance : new CsPrimitive(cs);
        throw Unsupported(t, where, "no entry in CTypeMap.Names");
    }

    private static GeneratorException Unsupported(CXType t, string where, string what) =>
        new($"{where}: type '{Cx.Spelling(t)}' is not supported by the binding generator ({what})");
}
