/**
 * A live kernel program behind an fd: load (with the verifier log), test-run, pin, inspect.
 */
import { encodeProgram } from '../isa/encode.js';
import type { Instruction } from '../isa/instruction.js';
import { type BtfExtRecords, getFdById, objGet, objPin, progLoad, progTestRun, type TestRunResult } from './bpf.js';
import { AttachType, type AttachTypeName, ProgType, type ProgTypeName } from './constants.js';
import type { Fd } from './fd.js';
import { type ProgInfo, progInfo } from './info.js';

export interface KernelProgramOptions {
  type: number | ProgTypeName;
  insns: Uint8Array | readonly Instruction[];
  /** Default "GPL" (GPL-only helpers are refused to other licenses). */
  license?: string;
  name?: string;
  /** 0 (log only on failure), 1, 2; add 4 for verifier statistics. */
  logLevel?: number;
  logSize?: number;
  flags?: number;
  expectedAttachType?: number | AttachTypeName;
  kernVersion?: number;
  btfFd?: number;
  funcInfo?: BtfExtRecords;
  lineInfo?: BtfExtRecords;
  attachBtfId?: number;
  attachProgFd?: number;
  fdArray?: readonly number[];
  ifindex?: number;
}

export interface ProgramRunOptions {
  /** Packet data (data_in). */
  data?: Uint8Array;
  /** Context (ctx_in): struct __sk_buff, xdp_md, or the raw ctx of SYSCALL/raw tracepoint programs. */
  ctx?: Uint8Array;
  /** Bytes of room for the output context (default: size of ctx). */
  ctxSizeOut?: number;
  /** Room for the output packet (default data length + 256). */
  dataSizeOut?: number;
  repeat?: number;
  flags?: number;
  cpu?: number;
}

export class KernelProgram {
  private constructor(
    readonly fd: Fd,
    readonly type: number,
    readonly name: string,
    /** Verifier log of the load (empty at log level 0). */
    readonly log: string,
  ) {}

  /** Loads a program. Rejection throws VerifierError with the kernel's log. */
  static load(options: KernelProgramOptions): KernelProgram {
    const type = typeof options.type === 'number' ? options.type : ProgType[options.type];
    const attach =
      typeof options.expectedAttachType === 'string'
        ? AttachType[options.expectedAttachType]
        : options.expectedAttachType;
    const insns = options.insns instanceof Uint8Array ? options.insns : encodeProgram(options.insns);
    const { fd, log } = progLoad({
      type,
      insns,
      license: options.license ?? 'GPL',
      name: options.name,
      logLevel: options.logLevel,
      logSize: options.logSize,
      flags: options.flags,
      expectedAttachType: attach,
      kernVersion: options.kernVersion,
      btfFd: options.btfFd,
      funcInfo: options.funcInfo,
      lineInfo: options.lineInfo,
      attachBtfId: options.attachBtfId,
      attachProgFd: options.attachProgFd,
      fdArray: options.fdArray,
      ifindex: options.ifindex,
    });
    return new KernelProgram(fd, type, options.name ?? '', log);
  }

  /** Wraps an fd that refers to a program (taking ownership). */
  static adopt(fd: Fd): KernelProgram {
    let info: ProgInfo;
    try {
      info = progInfo(fd.fd);
    } catch (error) {
      fd.close();
      throw error;
    }
    return new KernelProgram(fd, info.type, info.name, '');
  }

  static fromPin(path: string): KernelProgram {
    return KernelProgram.adopt(objGet(path));
  }

  static fromId(id: number): KernelProgram {
    return KernelProgram.adopt(getFdById('prog', id));
  }

  /** BPF_PROG_TEST_RUN: retval (low 32 bits of r0), output packet and context, kernel-measured ns per run. */
  testRun(options: ProgramRunOptions = {}): TestRunResult {
    return progTestRun({
      progFd: this.fd.fd,
      data: options.data,
      ctx: options.ctx,
      ctxSizeOut: options.ctxSizeOut,
      dataSizeOut: options.dataSizeOut,
      repeat: options.repeat,
      flags: options.flags,
      cpu: options.cpu,
    });
  }

  pin(path: string): void {
    objPin(this.fd.fd, path);
  }

  info(): ProgInfo {
    return progInfo(this.fd.fd);
  }

  close(): void {
    this.fd.close();
  }
}
