public class UnknownCustomerFault extends Exception {
    private String customerId;
    public UnknownCustomerFault() {}
    public UnknownCustomerFault(String id) { super("unknown customer " + id); customerId = id; }
    public String getCustomerId() { return customerId; } public void setCustomerId(String v) { customerId = v; }
}
