# bcryptprimitives.dll for Wine 8.0, which lacks it: Go 1.22+ Windows
# binaries import ProcessPrng from it and die at start without it.
# Windows 10+ ships the real one; this file is only for the Wine harness
# (scripts/test-windows.sh) and is never part of what we ship.
#
# BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData) on top of
# BOOLEAN advapi32!SystemFunction036(PVOID buf, ULONG len) (RtlGenRandom):
# a plain export forwarder would truncate the 64-bit length to 32 bits and
# hand back a BOOLEAN whose upper bits Go's `r1 == 0` test also reads, so
# this shim asks for at most 1 GiB at a time and returns exactly 0 or 1.

	.text
	.globl	ProcessPrng
ProcessPrng:			# rcx = pbData, rdx = cbData
	pushq	%rsi
	pushq	%rdi
	subq	$40, %rsp	# 32 bytes of shadow space, rsp 16-aligned at the call
	movq	%rcx, %rsi
	movq	%rdx, %rdi
1:	testq	%rdi, %rdi
	jz	2f
	movl	$0x40000000, %edx
	cmpq	%rdx, %rdi
	cmovbq	%rdi, %rdx	# rdx = min(left, 1 GiB)
	movq	%rsi, %rcx
	subq	%rdx, %rdi
	addq	%rdx, %rsi
	call	*__imp_SystemFunction036(%rip)
	testb	%al, %al
	jnz	1b
	xorl	%eax, %eax	# RtlGenRandom failed
	jmp	3f
2:	movl	$1, %eax
3:	addq	$40, %rsp
	popq	%rdi
	popq	%rsi
	ret

	.globl	DllMain
DllMain:			# nothing to set up or tear down
	movl	$1, %eax
	ret
