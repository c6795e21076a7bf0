package dev.signet.engine.cli;

import dev.signet.engine.bitdelta.BitDeltaException;
import dev.signet.engine.eval.EvalTextException;
import dev.signet.engine.model.ModelFormatException;
import dev.signet.engine.safetensors.SafetensorsException;
import dev.signet.engine.tokenizer.TokenizerException;
import java.io.PrintStream;

/** The {@code signet} command line: dispatches to a subcommand, prints usage and turns errors into exit codes. */
public final class SignetCli {
    static final String HELP = """
            Signet: multi-tenant serving of fine-tuned Llama models as 1-bit BitDeltas over one base model.

            usage: signet <command> [options]      (signet <command> --help for a command's options)

            commands:
              generate      continue a prompt with a model on the CPU
              compress      turn a fine-tune into a BitDelta artifact against its base, with a quality report
              eval          perplexity of a model on a text (the fixtures' protocol: 64 windows of 256 tokens)
              medusa-train  train Medusa heads for a model or a tenant's delta on the CPU (self-distillation by default)
              bench         benchmarks: `signet bench cpu` (prefill/decode throughput against the memory-bandwidth floor),
                            `signet bench gpu` (a synthetic 7B decode step on the GPU against its floor)
              test          run the whole test suite (Maven; needs ../shared/fixtures beside the checkout)
              build         compile and package everything without running tests
            """;

    private SignetCli() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(HELP);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        String usage = switch (command) {
            case "generate" -> GenerateCommand.USAGE;
            case "eval" -> EvalCommand.USAGE;
            case "compress" -> CompressCommand.USAGE;
            case "medusa-train" -> MedusaTrainCommand.USAGE;
            case "bench" -> BenchCommand.USAGE;
            default -> null;
        };
        if (usage == null) {
            err.println("signet: unknown command '" + command + "'\n");
            err.print(HELP);
            return 2;
        }
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                out.print(usage);
                return 0;
            }
        }
        try {
            return switch (command) {
                case "generate" -> GenerateCommand.run(args, out, err);
                case "eval" -> EvalCommand.run(args, out, err);
                case "compress" -> CompressCommand.run(args, out, err);
                case "medusa-train" -> MedusaTrainCommand.run(args, out, err);
                case "bench" -> BenchCommand.run(args, out, err);
                default -> throw new IllegalStateException(command);
            };
        } catch (UsageException e) {
            err.println("signet " + command + ": " + e.getMessage() + "\n");
            err.print(usage);
            return 2;
        } catch (ModelFormatException | SafetensorsException | TokenizerException | EvalTextException
                 | BitDeltaException e) {
            err.println("signet " + command + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("signet " + command + ": " + e);
            e.printStackTrace(err);
            return 1;
        }
    }
}
