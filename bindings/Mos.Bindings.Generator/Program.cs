// Entry point: see Cli for the options and bindings/README.md for what is generated.
return Mos.Bindings.Generator.Cli.Run(args);
